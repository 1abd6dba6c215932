// BPF iterators (bpf/sockets.bpf.c): iter/tcp and iter/udp list the sockets on
// a port, TIME_WAIT included with its expiry; iter/task_file finds the tasks
// holding given sockets. Much faster than /proc scans; refused without
// CAP_BPF/CAP_PERFMON. Iterators list the calling thread's network namespace.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

class SocketIterators {
 public:
  // Loads the iterator programs. Throws UnsupportedError naming the reason
  // (capability, kernel support) when they cannot be loaded.
  SocketIterators();
  ~SocketIterators();
  SocketIterators(const SocketIterators&) = delete;
  SocketIterators& operator=(const SocketIterators&) = delete;

  // Sockets matching the query, filtered on the port in the kernel.
  [[nodiscard]] std::vector<SocketEntry> list(const SocketQuery& query);
  // Tasks (thread-group leaders) with an fd on one of these socket inodes.
  // Holders get pid, comm, fd and inode; the caller fills the rest.
  [[nodiscard]] std::vector<Holder> holders(const std::set<std::uint64_t>& inodes);
  // Pins the holder walk (iter/task_file and its wanted-inode map) under the
  // agent's pin directory `dir` for fresh commands (PinnedHolderWalk),
  // replacing an earlier agent's. Throws RuntimeError.
  void pin_holder_walk(const std::string& dir);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace bindtrace
