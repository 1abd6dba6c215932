// OwnerResolver: who blocks a failed bind/listen, in the failing process's
// network namespace. Paths, fastest first: the kernel's listener index; BPF
// iterators (every holder, TIME_WAIT with expiry); sock_diag + /proc/*/fd.
// Not thread-safe: one resolver per thread (it may setns its thread).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"
#include "bindtrace/owner.hpp"

namespace bindtrace {

class ListenerIndex;
class PinnedHolderWalk;
class SocketIterators;

struct ResolverOptions {
  std::optional<OwnerSource> force;  // use only this path (tests, --owner-path)
  std::string proc_root = "/proc";
  // Try sock_diag + /proc before BPF iterators. A fresh command (`who`,
  // `check`) answers faster without loading the iterator object (~50 ms);
  // a long-running tracer has it loaded already.
  bool prefer_sock_diag = false;
  // Where cgroup v2 is mounted; empty: found from /proc/self/mounts on first use.
  std::string cgroup2_root;
  // A running agent's pin directory: its pinned holder walk finds the
  // processes holding a socket instead of the /proc fd walk. Empty: not used.
  std::string agent_pin_dir;
};

struct ResolverStats {
  std::uint64_t lookups = 0;
  std::uint64_t index_hits = 0;
  std::uint64_t failures = 0;    // nothing could be found or a path failed
  std::uint64_t pid_reused = 0;  // holders dropped because their start time changed
  std::uint64_t index_not_ready = 0;  // index misses while its start-up walk ran (looked up elsewhere)
};

class OwnerResolver {
 public:
  // `index` may be null (no capture running, e.g. `who`).
  explicit OwnerResolver(ResolverOptions options, const ListenerIndex* index = nullptr);
  ~OwnerResolver();

  // The owner of a failed bind/listen (EADDRINUSE); nullopt when the error
  // has no owner (EADDRNOTAVAIL, EACCES, connect failures, unix sockets).
  [[nodiscard]] std::optional<Owner> resolve(const Event& event);

  // Every socket bound to proto/port in `netns` (0: ours), with holders, for
  // `who PORT` and `check`. kind process/time_wait, or unknown when free.
  [[nodiscard]] Owner resolve_port(Proto proto, std::uint16_t port, std::uint32_t netns = 0,
                                   std::uint32_t hint_pid = 0);

  // Every listening TCP socket and bound UDP socket with holders (`who`).
  [[nodiscard]] std::vector<Owner> list_listeners(std::uint32_t netns = 0);

  // Why BPF iterators are not used, empty when they are.
  [[nodiscard]] const std::string& iterators_unavailable() const noexcept { return iterators_error_; }
  // How the holders of sockets found without the iterators were found:
  // "agent pins", or "proc scan" and why the agent's pins were not used
  // ("" before the first such lookup).
  [[nodiscard]] const std::string& holders_from() const noexcept { return holders_from_; }
  [[nodiscard]] const std::string& agent_pins_unused() const noexcept { return pinned_walk_error_; }
  [[nodiscard]] const ResolverStats& stats() const noexcept { return stats_; }

 private:
  std::optional<Owner> from_index(const Event& event);
  // `prefer_sock_diag`: this once, unless the iterators are loaded already.
  std::vector<SocketEntry> list_sockets(const SocketQuery& query, OwnerSource& source, bool prefer_sock_diag = false);
  std::vector<Holder> find_holders(const std::vector<SocketEntry>& sockets, OwnerSource source);
  void fill_holder(Holder& holder, const ProcessSnapshot& process);
  bool fill_from_proc(Holder& holder);
  const std::string& cgroup2_root();
  std::vector<Holder> with_sharers(Holder listener, std::uint64_t inode);
  Owner classify(std::vector<SocketEntry> sockets, OwnerSource source);
  SocketIterators* iterators();
  PinnedHolderWalk* pinned_walk();

  ResolverOptions options_;
  const ListenerIndex* index_;
  std::unique_ptr<SocketIterators> iterators_;
  bool iterators_tried_ = false;
  std::unique_ptr<PinnedHolderWalk> pinned_walk_;
  bool pinned_walk_tried_ = false;
  std::string pinned_walk_error_;
  std::string holders_from_;
  bool cgroup2_root_looked_up_ = false;
  std::string iterators_error_;
  ResolverStats stats_;
};

}  // namespace bindtrace
