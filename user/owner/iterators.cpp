// libbpf life cycle for the socket iterators (bpf/sockets.bpf.c): open ->
// load -> attach each iterator once; then, per query, set the .bss filter (or
// fill wanted_inodes), create an iterator fd, read fixed-size records until
// EOF. One SocketIterators is used by one thread at a time: the filter in
// .bss and the wanted_inodes map are per-object state shared by every run.
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/owner/iterators.hpp"
#include "bindtrace/owner/kernel_records.hpp"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "bindtrace/abi.h"
#include "bindtrace/errors.hpp"
#include "bindtrace/unique_fd.hpp"
#include "sockets.skel.h"

namespace bindtrace {
namespace {

static_assert(sizeof(bt_sock_record) == BT_SOCK_RECORD_SIZE);
static_assert(sizeof(bt_holder_record) == BT_HOLDER_RECORD_SIZE);

struct SkeletonDeleter {
  void operator()(sockets* skel) const noexcept { sockets__destroy(skel); }
};
using SkeletonPtr = std::unique_ptr<sockets, SkeletonDeleter>;
using LinkPtr = BpfLinkPtr;

std::string errno_text(int err) {
  return std::strerror(err > 0 ? err : -err);
}

// One sentence naming why the iterators cannot be used.
[[noreturn]] void throw_unsupported(const std::string& stage, int err) {
  std::string message = "BPF socket iterators are unavailable: " + stage + " failed: " + errno_text(err);
  if (err == EPERM || err == EACCES)
    message = "BPF iterators are not permitted: " + errno_text(err) + " (needs CAP_BPF and CAP_PERFMON)";
  throw UnsupportedError(message);
}

LinkPtr attach_iterator(bpf_program* prog) {
  LinkPtr link(bpf_program__attach_iter(prog, nullptr));
  if (!link) throw_unsupported(std::string("attaching ") + bpf_program__section_name(prog), errno);
  return link;
}

// The inode of the calling thread's network namespace; 0 when /proc is absent.
std::uint32_t thread_netns() {
  struct stat st {};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

// Runs the iterator behind `link` and hands each complete record to `on_record`.
// A read may end mid-record, so partial bytes carry over to the next read.
template <typename Record, typename Fn>
void run_iterator(bpf_link* link, const char* what, Fn&& on_record) {
  UniqueFd fd(bpf_iter_create(bpf_link__fd(link)));
  if (!fd) throw RuntimeError(std::string("cannot start the ") + what + " iterator: " + errno_text(errno));
  std::array<std::uint8_t, 64 * 1024> buf;  // >= the kernel's seq_file buffer (8 pages)
  std::size_t have = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw RuntimeError(std::string("reading the ") + what + " iterator failed: " + errno_text(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    std::size_t used = 0;
    for (; have - used >= sizeof(Record); used += sizeof(Record)) {
      Record record;
      std::memcpy(&record, buf.data() + used, sizeof(Record));
      on_record(record);
    }
    std::memmove(buf.data(), buf.data() + used, have - used);
    have -= used;
  }
  if (have != 0)
    throw RuntimeError(std::string("the ") + what + " iterator returned a truncated record (" +
                       std::to_string(have) + " bytes)");
}

// "127.0.0.1", "::1"; an IPv4-mapped IPv6 address as dotted IPv4.
SocketEntry to_entry(const bt_sock_record& r) {
  SocketEntry e;
  e.proto = r.protocol == IPPROTO_UDP ? Proto::udp : Proto::tcp;
  e.family = r.family == AF_INET6 ? Family::ipv6 : Family::ipv4;
  e.state = static_cast<TcpState>(r.state);
  e.local_addr = kernel_address_text(r.family, r.local_addr, &e.v4_mapped);
  e.local_port = r.local_port;
  e.remote_addr = kernel_address_text(r.family, r.remote_addr, nullptr);
  e.remote_port = r.remote_port;
  e.inode = r.inode;
  e.cookie = r.cookie;
  e.uid = r.uid;
  e.netns = r.netns;
  apply_sock_flags(e, r.flags);
  if (r.flags & BT_SOCK_REC_EXPIRY_KNOWN) e.expires_ms = r.expires_ms;
  return e;
}

}  // namespace

struct SocketIterators::State {
  // Declared in destruction order: the links go before the skeleton.
  SkeletonPtr skel;
  LinkPtr tcp;
  LinkPtr udp;
  LinkPtr task_file;
};

SocketIterators::SocketIterators() : state_(std::make_unique<State>()) {
  state_->skel.reset(sockets__open_opts(nullptr));
  if (!state_->skel) throw_unsupported("opening the iterator object", errno);
  sockets* skel = state_->skel.get();
  if (int rc = sockets__load(skel); rc != 0)
    throw_unsupported("loading iter/tcp, iter/udp and iter/task_file", rc);
  state_->tcp = attach_iterator(skel->progs.list_tcp);
  state_->udp = attach_iterator(skel->progs.list_udp);
  state_->task_file = attach_iterator(skel->progs.find_holders);
}

SocketIterators::~SocketIterators() = default;

std::vector<SocketEntry> SocketIterators::list(const SocketQuery& query) {
  // bpf_iter_init_seq_net(): the iterator lists the namespace its fd is created in.
  const std::uint32_t here = thread_netns();
  if (query.netns != 0 && here != 0 && query.netns != here)
    throw RuntimeError("socket iterators list only the calling thread's network namespace (" +
                       std::to_string(here) + "), not " + std::to_string(query.netns) +
                       ": enter it first (NetnsScope)");
  if (query.proto != Proto::tcp && query.proto != Proto::udp) return {};

  sockets* skel = state_->skel.get();
  skel->bss->target_port = query.port;
  skel->bss->listening_only = query.listening_only ? 1 : 0;

  std::vector<SocketEntry> entries;
  const bool tcp = query.proto == Proto::tcp;
  run_iterator<bt_sock_record>(tcp ? state_->tcp.get() : state_->udp.get(), tcp ? "iter/tcp" : "iter/udp",
                               [&](const bt_sock_record& r) {
                                 entries.push_back(to_entry(r));
                                 if (entries.back().netns == 0) entries.back().netns = here;
                               });
  return entries;
}

std::vector<Holder> SocketIterators::holders(const std::set<std::uint64_t>& inodes) {
  std::vector<Holder> found;
  if (inodes.empty()) return found;
  bpf_map* wanted = state_->skel->maps.wanted_inodes;
  const std::size_t capacity = bpf_map__max_entries(wanted);

  // Never leave inodes behind for the next run, even when a run throws.
  struct ClearOnExit {
    bpf_map* map;
    std::vector<std::uint64_t> keys;
    ~ClearOnExit() {
      for (std::uint64_t key : keys) bpf_map__delete_elem(map, &key, sizeof(key), 0);
    }
  };

  auto next = inodes.begin();
  while (next != inodes.end()) {
    ClearOnExit batch{wanted, {}};
    for (; next != inodes.end() && batch.keys.size() < capacity; ++next) {
      std::uint64_t key = *next;
      std::uint8_t one = 1;
      if (bpf_map__update_elem(wanted, &key, sizeof(key), &one, sizeof(one), BPF_ANY) != 0)
        throw RuntimeError("cannot fill the wanted-inode map: " + errno_text(errno));
      batch.keys.push_back(key);
    }
    run_iterator<bt_holder_record>(state_->task_file.get(), "iter/task_file", [&](const bt_holder_record& r) {
      Holder h;
      h.pid = r.tgid;
      h.comm.assign(r.comm, ::strnlen(r.comm, sizeof(r.comm)));
      h.inode = r.inode;
      h.fd = static_cast<int>(r.fd);
      found.push_back(std::move(h));
    });
  }
  std::sort(found.begin(), found.end(),
            [](const Holder& a, const Holder& b) { return std::pair(a.pid, a.fd) < std::pair(b.pid, b.fd); });
  return found;
}

}  // namespace bindtrace
