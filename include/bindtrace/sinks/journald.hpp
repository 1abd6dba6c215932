// Events as systemd journal entries: a one-line MESSAGE for people and
// BINDTRACE_* fields for `journalctl BINDTRACE_PORT=8001`. Sending never
// throws; failures are counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "bindtrace/sinks.hpp"

namespace bindtrace {

// "bind_failed EADDRINUSE tcp 0.0.0.0:8001 by python3[991]; owner nginx[12]:
// <diagnosis summary>". Untrusted text is escaped: one printable line.
[[nodiscard]] std::string event_summary_line(const Event& event);

// Fields, one entry per event: MESSAGE, PRIORITY=4, SYSLOG_IDENTIFIER=bindtrace,
// BINDTRACE_EVENT, _ERROR, _PROTO, _ADDR, _PORT, _PID, _COMM, _OWNER_PID (one
// per holder), _SERVICE, _DIAGNOSIS (code), _JSON (the JSON line). Fields that
// do not apply are left out (no _PORT for unix, no _SERVICE when unattributed).
// Values are valid UTF-8 but kept verbatim otherwise: a value with a newline
// (a hostile comm) travels in the protocol's length-prefixed form, so it can
// never start a field of its own.
class JournaldSink : public Sink {
 public:
  static constexpr const char* kSocketPath = "/run/systemd/journal/socket";

  // Whether journald listens here (its native socket exists). When it does
  // not, the agent says "journald: not available (no /run/systemd/journal/socket)".
  [[nodiscard]] static bool available();

  void write(const Event& event) override;

  // Entries journald did not accept, and the errno of the last one (0: none).
  [[nodiscard]] std::uint64_t errors() const noexcept { return errors_.load(std::memory_order_relaxed); }
  [[nodiscard]] int last_error() const noexcept { return last_error_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<int> last_error_{0};
};

}  // namespace bindtrace
