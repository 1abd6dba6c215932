// libbpf life cycle for the socket iterators (bpf/sockets.bpf.c): open ->
// load -> attach each iterator once; then, per query, set the .bss filter (or
// fill wanted_inodes), create an iterator fd, read fixed-size records until
// EOF (holder_walk.cpp). One SocketIterators is used by one thread at a time: the filter in
// .bss and the wanted_inodes map are per-object state shared by every run.
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/owner/iterators.hpp"
#include "bindtrace/owner/holder_walk.hpp"
#include "bindtrace/owner/pinned_holder_walk.hpp"
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

// Runs the iterator behind `link`, each record to on_record(const Record&).
template <typename Record, typename Fn>
void run_records(bpf_link* link, const char* what, Fn&& on_record) {
  run_iterator(
      bpf_link__fd(link), what, sizeof(Record),
      [](const void* bytes, void* ctx) {
        Record record;
        std::memcpy(&record, bytes, sizeof(Record));
        (*static_cast<Fn*>(ctx))(record);
      },
      &on_record);
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
  run_records<bt_sock_record>(tcp ? state_->tcp.get() : state_->udp.get(), tcp ? "iter/tcp" : "iter/udp",
                              [&](const bt_sock_record& r) {
                                entries.push_back(to_entry(r));
                                if (entries.back().netns == 0) entries.back().netns = here;
                              });
  return entries;
}

std::vector<Holder> SocketIterators::holders(const std::set<std::uint64_t>& inodes) {
  bpf_map* wanted = state_->skel->maps.wanted_inodes;
  return walk_holders(bpf_link__fd(state_->task_file.get()), bpf_map__fd(wanted), bpf_map__max_entries(wanted),
                      inodes);
}

void SocketIterators::pin_holder_walk(const std::string& dir) {
  const HolderWalkPins pins = holder_walk_pins(dir);
  ::unlink(pins.link.c_str());  // an earlier agent's: replaced
  ::unlink(pins.wanted.c_str());
  if (bpf_map__pin(state_->skel->maps.wanted_inodes, pins.wanted.c_str()) != 0)
    throw RuntimeError("cannot pin " + pins.wanted + ": " + errno_text(errno));
  if (bpf_link__pin(state_->task_file.get(), pins.link.c_str()) != 0) {
    const int err = errno;
    ::unlink(pins.wanted.c_str());
    throw RuntimeError("cannot pin " + pins.link + ": " + errno_text(err));
  }
}

}  // namespace bindtrace
