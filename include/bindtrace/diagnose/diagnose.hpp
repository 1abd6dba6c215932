// diagnose(): Event (with owner and services) + recent history -> Diagnosis.
// A pure function; the rules and their order are documented in
// docs/diagnosis.md. RestartTracker keeps the failure history per (program
// identity, endpoint) that the restart_loop flag needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

// What makes two processes "the same program", decided on evidence: the
// executable path and the command line (interpreters: the script or module
// and the arguments after it); the working directory only gives a relative
// path argument its meaning. Never comm alone.
struct ProgramIdentity {
  std::string exe;
  std::vector<std::string> argv;
  std::string cwd;
  std::string comm;
};

[[nodiscard]] ProgramIdentity identity_of(const ProcessInfo& process);
[[nodiscard]] ProgramIdentity identity_of(const Holder& holder);
// True when the evidence says both run the same program with the same
// arguments (another configuration of it is not the same program).
[[nodiscard]] bool same_program(const ProgramIdentity& a, const ProgramIdentity& b);
// A stable key for history ("/usr/bin/python3 -m uvicorn app:app").
[[nodiscard]] std::string identity_key(const ProgramIdentity& id);

struct DiagnosisContext {
  std::uint32_t unprivileged_port_start = 1024;  // net.ipv4.ip_unprivileged_port_start of the netns
  std::uint64_t ns_per_clock_tick = 10'000'000;   // the unit of Holder::start_time (USER_HZ 100 by default)
  std::uint32_t restart_loop_threshold = 3;      // failures in the window that make a loop
  std::uint32_t failures_in_window = 1;          // from RestartTracker, this one included
  std::chrono::seconds window{60};
};

[[nodiscard]] Diagnosis diagnose(const Event& event, const DiagnosisContext& context);

// `who` and `check`: the same rules for a port that is taken, asked about by
// no process in particular (a would-be bind to the wildcard address).
[[nodiscard]] Diagnosis diagnose_taken_port(Proto proto, std::uint16_t port, const Owner& owner,
                                            const std::vector<std::uint16_t>& alternatives);

// Failure history per (identity key, endpoint) over a sliding window.
class RestartTracker {
 public:
  explicit RestartTracker(std::chrono::seconds window = std::chrono::seconds(60), std::size_t max_keys = 4096)
      : window_(window), max_keys_(max_keys) {}
  // Records a failure at boot-clock time `now_ns`; returns the count in the window, this one included.
  std::uint32_t record(const std::string& identity, const std::string& endpoint, std::uint64_t now_ns);

 private:
  std::chrono::seconds window_;
  std::size_t max_keys_;
  std::map<std::pair<std::string, std::string>, std::deque<std::uint64_t>> history_;
};

}  // namespace bindtrace
