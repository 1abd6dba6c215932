// Running BPF iterators from user space: the records an iterator link writes,
// and the holder walk (bpf/sockets.bpf.c's iter/task_file) that names the
// tasks holding given socket inodes. Shared by the iterators a process loads
// itself and by the walk an agent pins for fresh commands.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

// Runs the iterator behind `link_fd` and hands each complete `record_size`
// bytes to on_record(const void*). Throws RuntimeError naming `what` on a
// failed read or a truncated record.
void run_iterator(int link_fd, const char* what, std::size_t record_size,
                  void (*on_record)(const void* record, void* ctx), void* ctx);

// The tasks (thread-group leaders) with an fd on one of `inodes`: the inodes
// go into the wanted-inode map `wanted_fd` (at most `capacity` at a time,
// removed again after each run), then the walk behind `link_fd` runs.
// Holders get pid, comm, fd and inode, sorted by pid and fd.
[[nodiscard]] std::vector<Holder> walk_holders(int link_fd, int wanted_fd, std::size_t capacity,
                                               const std::set<std::uint64_t>& inodes);

}  // namespace bindtrace
