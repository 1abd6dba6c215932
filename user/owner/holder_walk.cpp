// Reading iterator output and the holder walk over it.
#include "bindtrace/owner/holder_walk.hpp"

#include <bpf/bpf.h>
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

namespace bindtrace {

void run_iterator(int link_fd, const char* what, std::size_t record_size,
                  void (*on_record)(const void* record, void* ctx), void* ctx) {
  UniqueFd fd(bpf_iter_create(link_fd));
  if (!fd) throw RuntimeError(std::string("cannot start the ") + what + " iterator: " + std::strerror(errno));
  std::array<std::uint8_t, 64 * 1024> buf;  // >= the kernel's seq_file buffer (8 pages)
  std::size_t have = 0;
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf.data() + have, buf.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw RuntimeError(std::string("reading the ") + what + " iterator failed: " + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<std::size_t>(n);
    std::size_t used = 0;
    // A read may end mid-record: the partial bytes carry over to the next read.
    for (; have - used >= record_size; used += record_size) on_record(buf.data() + used, ctx);
    std::memmove(buf.data(), buf.data() + used, have - used);
    have -= used;
  }
  if (have != 0)
    throw RuntimeError(std::string("the ") + what + " iterator returned a truncated record (" +
                       std::to_string(have) + " bytes)");
}

std::vector<Holder> walk_holders(int link_fd, int wanted_fd, std::size_t capacity,
                                 const std::set<std::uint64_t>& inodes) {
  std::vector<Holder> found;
  if (inodes.empty() || capacity == 0) return found;

  // Never leave inodes behind for the next run, even when a run throws.
  struct ClearOnExit {
    int map;
    std::vector<std::uint64_t> keys;
    ~ClearOnExit() {
      for (std::uint64_t key : keys) bpf_map_delete_elem(map, &key);
    }
  };

  auto next = inodes.begin();
  while (next != inodes.end()) {
    ClearOnExit batch{wanted_fd, {}};
    for (; next != inodes.end() && batch.keys.size() < capacity; ++next) {
      std::uint64_t key = *next;
      std::uint8_t one = 1;
      if (bpf_map_update_elem(wanted_fd, &key, &one, BPF_ANY) != 0)
        throw RuntimeError(std::string("cannot fill the wanted-inode map: ") + std::strerror(errno));
      batch.keys.push_back(key);
    }
    // A walk pinned by an agent is shared: another command's inodes may be in
    // the map at the same time. Only ours are kept.
    struct Walk {
      const std::set<std::uint64_t>& wanted;
      std::vector<Holder>& found;
    } walk{inodes, found};
    run_iterator(
        link_fd, "iter/task_file", sizeof(bt_holder_record),
        [](const void* bytes, void* ctx) {
          auto& [wanted, out] = *static_cast<Walk*>(ctx);
          bt_holder_record r;
          std::memcpy(&r, bytes, sizeof(r));
          if (!wanted.contains(r.inode)) return;
          Holder h;
          h.pid = r.tgid;
          h.comm.assign(r.comm, ::strnlen(r.comm, sizeof(r.comm)));
          h.inode = r.inode;
          h.fd = static_cast<int>(r.fd);
          out.push_back(std::move(h));
        },
        &walk);
  }
  std::sort(found.begin(), found.end(),
            [](const Holder& a, const Holder& b) { return std::pair(a.pid, a.fd) < std::pair(b.pid, b.fd); });
  return found;
}

}  // namespace bindtrace
