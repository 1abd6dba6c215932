// Network-namespace handles by inode, and a scope that moves the calling
// thread into one (setns) and back. Owner lookups run in the failing
// process's namespace, never the tracer's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace bindtrace {

// The inode of the calling thread's network namespace.
[[nodiscard]] std::uint32_t current_netns();

// Opens a handle (fd) on the namespace with this inode: via /proc/PID/ns/net
// of `hint_pid` when it still matches, else /run/netns/*, else any /proc/*/ns/net.
// nullopt when no process or bind mount keeps it alive any more.
[[nodiscard]] std::optional<int> open_netns(std::uint32_t inode, std::uint32_t hint_pid = 0,
                                            const std::string& proc_root = "/proc");

class NetnsScope {
 public:
  // Enters the namespace (no-op when it is the current one). Throws
  // RuntimeError when it cannot be entered.
  NetnsScope(std::uint32_t inode, std::uint32_t hint_pid = 0);
  ~NetnsScope();
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  int original_ = -1;
};

}  // namespace bindtrace
