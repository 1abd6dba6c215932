// SIGTERM, grace, SIGKILL through pidfds (see actions/stop_owner.hpp).
#include "bindtrace/actions/stop_owner.hpp"

#include <poll.h>
#include <signal.h>

#include <cerrno>
#include <cstring>

#include "bindtrace/actions/pidfd.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

using Clock = std::chrono::steady_clock;

struct Tracked {
  StopTarget target;
  UniqueFd pidfd;
  bool exited = false;
};

std::string who(const StopTarget& t) {
  return "pid " + std::to_string(t.pid) + " (" + t.comm + ")";
}

// Waits until every tracked process exited or the deadline passed.
void wait_for_exit(std::vector<Tracked>& tracked, Clock::time_point deadline) {
  for (;;) {
    std::vector<pollfd> fds;
    std::vector<Tracked*> waiting;
    for (auto& t : tracked)
      if (!t.exited) {
        fds.push_back({t.pidfd.get(), POLLIN, 0});
        waiting.push_back(&t);
      }
    if (fds.empty()) return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) return;
    // A pidfd becomes readable when its process exits (zombies included).
    if (::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1) < 0 && errno != EINTR) return;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) waiting[i]->exited = true;
  }
}

bool all_exited(const std::vector<Tracked>& tracked) {
  for (const auto& t : tracked)
    if (!t.exited) return false;
  return true;
}

}  // namespace

StopOutcome stop_processes(const std::vector<StopTarget>& targets, std::chrono::milliseconds grace,
                           std::chrono::milliseconds kill_wait, const std::string& proc_root) {
  const auto started = Clock::now();
  StopOutcome outcome;
  auto finish = [&](std::string result) {
    outcome.result = std::move(result);
    outcome.elapsed_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
    return outcome;
  };
  if (targets.empty()) return finish("failed: no process to stop");

  const ProcReader proc(proc_root);
  std::vector<Tracked> tracked;
  for (const StopTarget& target : targets) {
    UniqueFd pidfd(open_pidfd(static_cast<pid_t>(target.pid)));
    if (!pidfd) {
      if (errno == ESRCH) continue;  // exited on its own since the lookup: nothing to do for it
      return finish("failed: cannot open " + who(target) + ": " + std::strerror(errno));
    }
    // The pidfd pins the process it names; a different start time means the
    // pid now belongs to someone else.
    const auto start = proc.start_time(target.pid);
    if (!start) continue;  // exited between the two calls
    if (target.start_time != 0 && *start != target.start_time)
      return finish("refused: " + who(target) + " is another process now (pid reused)");
    tracked.push_back(Tracked{target, std::move(pidfd)});
  }
  if (tracked.empty()) return finish("stopped");  // all gone before any signal

  for (auto& t : tracked) {
    if (signal_pidfd(t.pidfd.get(), SIGTERM) != 0) {
      if (errno == ESRCH)
        t.exited = true;
      else
        return finish("failed: SIGTERM to " + who(t.target) + ": " + std::strerror(errno));
    }
  }
  outcome.signal = "SIGTERM";
  wait_for_exit(tracked, started + grace);
  if (all_exited(tracked)) return finish("stopped");

  for (auto& t : tracked)
    if (!t.exited && signal_pidfd(t.pidfd.get(), SIGKILL) != 0 && errno == ESRCH) t.exited = true;
  outcome.signal = "SIGKILL";
  wait_for_exit(tracked, Clock::now() + kill_wait);
  return finish(all_exited(tracked) ? "killed" : "still-running");
}

}  // namespace bindtrace
