// What the operator allowed bindtrace to do about a conflict (`--exec`,
// `--act`, the allow-lists, `--dry-run`), shared by `trace` and `agent`.
// Off unless asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bindtrace {

enum class ActKind : std::uint8_t { none, stop_owner, stop_unit };

struct ActionOptions {
  // --exec CMD: run through /bin/sh -c per event, event JSON on stdin.
  std::string exec;
  std::chrono::milliseconds hook_timeout{10000};  // --exec-timeout
  unsigned hook_concurrency = 4;                  // hooks running at once; more are skipped and counted

  ActKind act = ActKind::none;                    // --act stop-owner|stop-unit
  std::chrono::milliseconds grace{10000};         // --grace: SIGTERM -> SIGKILL
  // Allow-list: an owner is acted on only when it matches at least one entry.
  std::vector<std::string> allow_comm;            // --allow-comm (exact comm)
  std::vector<std::string> allow_unit;            // --allow-unit (service name: unit, program, container)
  std::vector<std::uint32_t> allow_uid;           // --allow-uid (also lifts the other-users refusal for it)
  std::vector<std::uint16_t> allow_port;          // --allow-port
  std::chrono::milliseconds rate_limit{60000};    // --rate-limit: at most one action per owner per this long
  bool dry_run = false;                           // --dry-run: print the plan, change nothing
  bool yes = false;                               // --yes: no confirmation on a terminal

  [[nodiscard]] bool any() const noexcept { return !exec.empty() || act != ActKind::none; }
};

}  // namespace bindtrace
