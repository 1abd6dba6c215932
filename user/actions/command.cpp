// Child commands with a deadline (see actions/command.hpp). posix_spawn
// rather than fork: it is safe in a threaded process and reports exec
// failures (ENOENT) to the caller.
#include "bindtrace/actions/command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "bindtrace/actions/pidfd.hpp"
#include "bindtrace/unique_fd.hpp"

extern char** environ;

namespace bindtrace {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::set<std::string> replaced;
  for (const auto& entry : extra) replaced.insert(entry.substr(0, entry.find('=')));
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    if (!replaced.contains(entry.substr(0, entry.find('=')))) env.push_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// SIGPIPE blocked on this thread while it writes to a child's stdin, so a
// child that exits without reading gives EPIPE instead of killing us.
class SigpipeBlocked {
 public:
  SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe, &old_);
  }
  ~SigpipeBlocked() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      sigtimedwait(&pipe, nullptr, &zero);  // consume the one our writes raised
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlocked(const SigpipeBlocked&) = delete;
  SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

 private:
  sigset_t old_{};
  bool was_pending_ = false;
};

struct Spawned {
  pid_t pid = -1;
  int error = 0;
};

Spawned spawn(const CommandSpec& spec, int stdin_fd, int output_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, output_fd, STDERR_FILENO);
  // Only 0-2 cross: BPF objects, sockets and pidfds stay ours.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);  // SIGPIPE ignored by us is not ignored by it
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = merged_environment(spec.extra_env);
  auto argv_c = c_strings(argv);
  auto env_c = c_strings(env);
  Spawned spawned;
  spawned.error = posix_spawnp(&spawned.pid, argv_c[0], &actions, &attr, argv_c.data(), env_c.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return spawned;
}

// Step of run_command: drains what the child wrote so far (non-blocking),
// keeping up to cap bytes; out_read is closed at end of file or on an error.
void read_child_output(UniqueFd& out_read, std::size_t cap, CommandResult& result) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out_read.get(), buf, sizeof(buf));
    if (n == 0) {
      out_read.reset();
      return;
    }
    if (n < 0) {
      if (errno != EINTR && errno != EAGAIN) out_read.reset();
      if (errno != EINTR) return;
      continue;
    }
    const std::size_t room = cap - std::min(cap, result.output.size());
    result.output.append(buf, std::min(room, static_cast<std::size_t>(n)));
    if (static_cast<std::size_t>(n) > room) result.output_truncated = true;
  }
}

// Step of run_command: writes the next part of the child's input (written:
// how much is done); in_write is closed once all is written or on an error.
void write_child_input(UniqueFd& in_write, const CommandSpec& spec, std::size_t& written) {
  const ssize_t n = ::write(in_write.get(), spec.input.data() + written, spec.input.size() - written);
  if (n > 0) written += static_cast<std::size_t>(n);
  if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == spec.input.size()) in_write.reset();
}

// Step of run_command: waits for the exited child and records how it ended.
void reap_child(pid_t pid, CommandResult& result) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status))
    result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    result.signal = WTERMSIG(status);
}

}  // namespace

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

CommandResult run_command(const CommandSpec& spec) {
  CommandResult result;
  const auto started = Clock::now();
  if (spec.argv.empty()) {
    result.spawn_errno = EINVAL;
    return result;
  }
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) {
    result.spawn_errno = errno;
    return result;
  }
  UniqueFd in_read(in[0]), in_write(in[1]);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    result.spawn_errno = errno;
    return result;
  }
  UniqueFd out_read(out[0]), out_write(out[1]);

  const Spawned child = spawn(spec, in_read.get(), out_write.get());
  in_read.reset();
  out_write.reset();
  if (child.error != 0) {
    result.spawn_errno = child.error;
    return result;
  }
  UniqueFd pidfd(open_pidfd(child.pid));
  ::fcntl(in_write.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);

  SigpipeBlocked no_sigpipe;
  std::size_t written = 0;
  if (spec.input.empty()) in_write.reset();
  auto deadline = started + spec.timeout;
  bool exited = false, term_sent = false, kill_sent = false;
  while (!exited) {
    const auto now = Clock::now();
    if (now >= deadline) {
      if (!term_sent) {
        result.timed_out = true;
        ::kill(-child.pid, SIGTERM);  // the whole group: a shell's children too
        term_sent = true;
        deadline = now + spec.kill_after;
      } else if (!kill_sent) {
        ::kill(-child.pid, SIGKILL);
        kill_sent = true;
        deadline = Clock::time_point::max();
      }
      continue;
    }
    pollfd fds[3];
    nfds_t count = 0;
    fds[count++] = {pidfd ? pidfd.get() : -1, POLLIN, 0};
    const nfds_t out_at = out_read ? count : 3;
    if (out_read) fds[count++] = {out_read.get(), POLLIN, 0};
    const nfds_t in_at = in_write ? count : 3;
    if (in_write) fds[count++] = {in_write.get(), POLLOUT, 0};
    const auto left = deadline == Clock::time_point::max()
                          ? std::chrono::milliseconds(100)
                          : std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                                std::chrono::milliseconds(1);
    // Without a pidfd (old kernels) exit is noticed by polling waitpid.
    const int timeout_ms = static_cast<int>(pidfd ? left.count() : std::min<long>(left.count(), 50));
    if (::poll(fds, count, timeout_ms) < 0 && errno != EINTR) break;
    if (out_at < 3 && (fds[out_at].revents & (POLLIN | POLLHUP | POLLERR))) read_child_output(out_read, spec.output_cap, result);
    if (in_at < 3 && (fds[in_at].revents & (POLLOUT | POLLERR | POLLHUP)))
      write_child_input(in_write, spec, written);
    siginfo_t info{};
    exited = ::waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
             info.si_pid == child.pid;
  }
  // What it wrote before exiting; a background grandchild keeping the pipe
  // open is not waited for.
  if (out_read) read_child_output(out_read, spec.output_cap, result);
  reap_child(child.pid, result);
  result.elapsed_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  return result;
}

std::string describe_command_end(const CommandResult& result) {
  if (result.spawn_errno == ENOENT) return "not found";
  if (result.spawn_errno != 0) return "cannot run: " + std::string(std::strerror(result.spawn_errno));
  std::string end = result.exit_code ? "exit " + std::to_string(*result.exit_code)
                                     : "killed by " + signal_name(result.signal);
  if (result.timed_out) end = "timed out (" + end + ")";
  return end;
}

}  // namespace bindtrace
