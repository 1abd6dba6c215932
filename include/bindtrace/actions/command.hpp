// A child command run to completion with a deadline: no shell unless the
// caller asks for one, its own process group (a timeout stops the whole
// group: SIGTERM, then SIGKILL), stdin fed from a string, stdout and stderr
// captured together up to a cap. Used by hooks and by stop-unit.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bindtrace {

struct CommandSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  // KEY=VALUE entries set on top of (or replacing) this process's environment.
  std::vector<std::string> extra_env;
  std::string input;  // written to the child's stdin, which is then closed
  std::chrono::milliseconds timeout{10000};
  std::chrono::milliseconds kill_after{1000};  // after a timeout: SIGTERM, this long, then SIGKILL
  std::size_t output_cap = 64 << 10;
};

struct CommandResult {
  std::optional<int> exit_code;  // set when it exited
  int signal = 0;                // set when a signal ended it
  bool timed_out = false;
  int spawn_errno = 0;  // it never ran: ENOENT (not found), EACCES, ...
  std::string output;   // stdout and stderr, interleaved as written
  bool output_truncated = false;
  std::uint64_t elapsed_ms = 0;

  [[nodiscard]] bool succeeded() const noexcept { return exit_code == 0 && !timed_out; }
};

// Runs the command and reaps it. Never throws for the command's own failures
// (they are in the result); a SIGPIPE from a child that does not read its
// stdin is absorbed.
[[nodiscard]] CommandResult run_command(const CommandSpec& spec);

// "exit 3", "signal SIGKILL", "timed out after 10000 ms", "not found" ...: one
// line about how the command ended.
[[nodiscard]] std::string describe_command_end(const CommandResult& result);

// "SIGTERM", "SIGKILL", ...; "signal N" for one without a name.
[[nodiscard]] std::string signal_name(int sig);

}  // namespace bindtrace
