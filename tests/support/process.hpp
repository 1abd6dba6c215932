// Real child processes for integration tests: spawn with pipes, read lines
// with a timeout, wait with a deadline. Optionally placed in a cgroup before
// exec. Nothing here blocks without a deadline: a child that outlives one is
// killed and the test fails saying which child it was.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <thread>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace bindtrace::testing {

class Child {
 public:
  struct Options {
    std::string cgroup_procs;  // write the child's pid here before exec
    bool pipe_stdin = false;   // keep stdin open; close_stdin() ends --stdin-hold
    // stdout on a pipe whose reader closed before exec: every write fails with
    // EPIPE (SIGPIPE by default), as after `| head -1` exited. read_line() sees EOF.
    bool stdout_reader_gone = false;
  };

  Child(std::vector<std::string> argv) : Child(std::move(argv), Options{}) {}
  Child(std::vector<std::string> argv, const Options& options) : argv0_(argv.empty() ? "" : argv[0]) {
    int out[2], err[2], in[2];
    if (::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) || ::pipe2(in, O_CLOEXEC)) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      if (options.stdout_reader_gone) {
        int gone[2];
        if (::pipe(gone) != 0) ::_exit(126);
        ::close(gone[0]);
        out[1] = gone[1];
      }
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
      if (options.pipe_stdin) ::dup2(in[0], STDIN_FILENO);
      else {
        int devnull = ::open("/dev/null", O_RDONLY);
        ::dup2(devnull, STDIN_FILENO);
      }
      if (!options.cgroup_procs.empty()) {
        int fd = ::open(options.cgroup_procs.c_str(), O_WRONLY);
        if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(126);
        ::close(fd);
      }
      // Only 0-2 cross exec: fds the test runner or the tracer left open would
      // shift the child's socket numbers and leak BPF objects into it.
      ::syscall(SYS_close_range, 3U, ~0U, 0U);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    ::close(in[0]);
    out_ = out[0];
    err_ = err[0];
    in_ = in[1];
    if (!options.pipe_stdin) close_stdin();
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
    }
    for (int fd : {out_, err_, in_})
      if (fd >= 0) ::close(fd);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  // The next line on stdout (or stderr), or nullopt after timeout/EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return read_line_from(out_, out_buf_, timeout);
  }
  std::optional<std::string> read_err_line(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return read_line_from(err_, err_buf_, timeout);
  }
  // Reads stdout lines until one starts with `prefix`.
  std::optional<std::string> expect_line(const std::string& prefix,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto line = read_line(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!line) return std::nullopt;
      if (line->rfind(prefix, 0) == 0) return line;
    }
    return std::nullopt;
  }

  void close_stdin() {
    if (in_ >= 0) ::close(in_);
    in_ = -1;
  }
  void signal(int sig) { ::kill(pid_, sig); }

  // True while the child has not exited (it is not reaped here).
  [[nodiscard]] bool running() const {
    if (exited_) return false;
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
  }

  // Exit status (0-255), or 128+signal. A child still running at the
  // deadline is killed, the test fails naming it, and -1 is returned (no
  // exit code a test expects).
  int wait(std::chrono::milliseconds deadline = std::chrono::seconds(60)) {
    if (exited_) return status_;
    const auto until = std::chrono::steady_clock::now() + deadline;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
      int status = 0;
      const pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_;
      }
      if (r < 0 && errno != EINTR) {  // not our child any more (reaped elsewhere)
        exited_ = true;
        status_ = -1;
        return status_;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "child " << pid_ << " (" << argv0_ << ") still ran after "
                  << std::chrono::duration_cast<std::chrono::seconds>(deadline).count() << " s; killed it";
    ::kill(pid_, SIGKILL);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    exited_ = true;
    status_ = -1;
    return status_;
  }

  // What is on stderr until EOF, or until `deadline` while the child still
  // writes or holds it open (for failure messages: never blocks longer).
  std::string drain_stderr(std::chrono::milliseconds deadline = std::chrono::seconds(2)) {
    std::string all = err_buf_;
    err_buf_.clear();
    const auto until = std::chrono::steady_clock::now() + deadline;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{err_, POLLIN, 0};
      const int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      char buf[4096];
      const ssize_t n = ::read(err_, buf, sizeof(buf));
      if (n <= 0) break;
      all.append(buf, static_cast<std::size_t>(n));
    }
    return all;
  }

 private:
  static std::optional<std::string> read_line_from(int fd, std::string& buf, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buf.find('\n'); nl != std::string::npos) {
        std::string line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{fd, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return std::nullopt;
      char chunk[4096];
      ssize_t n = ::read(fd, chunk, sizeof(chunk));
      if (n <= 0) return std::nullopt;
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }

  std::string argv0_;
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1, in_ = -1;
  std::string out_buf_, err_buf_;
  bool exited_ = false;
  int status_ = -1;
};

// One byte from `fd` (a child's "ready" pipe) within `deadline`; false on
// EOF, error or timeout.
inline bool read_byte_within(int fd, std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
  pollfd p{fd, POLLIN, 0};
  int r;
  while ((r = ::poll(&p, 1, static_cast<int>(deadline.count()))) < 0 && errno == EINTR) {
  }
  char byte = 0;
  return r > 0 && ::read(fd, &byte, 1) == 1;
}

inline std::string testprog(const std::string& name) { return std::string(BINDTRACE_TESTPROGS_DIR) + "/" + name; }

}  // namespace bindtrace::testing
