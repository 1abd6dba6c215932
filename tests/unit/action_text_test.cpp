// The "action" line of the text block: what was done, how, and whether the
// port is free now; the target's text escaped like every traced string.
#include <gtest/gtest.h>

#include "bindtrace/sinks.hpp"

namespace bindtrace {
namespace {

Event with_action(ActionRecord action) {
  Event e;
  e.err = 98;
  e.endpoint = Endpoint{.family = Family::ipv4, .address = "0.0.0.0", .port = 8001};
  e.action = std::move(action);
  return e;
}

std::string action_line(const Event& e) {
  const std::string text = event_to_text(e, false);
  const auto at = text.find("  action   ");
  if (at == std::string::npos) return {};
  return text.substr(at + 11, text.find('\n', at) - at - 11);
}

TEST(ActionTextLine, StoppedOwnerNamesSignalTimeAndPort) {
  const Event e = with_action({.kind = "stop-owner",
                               .target = "pid 991 (python3)",
                               .result = "stopped",
                               .signal = "SIGTERM",
                               .elapsed_ms = 120,
                               .port_free_after = true});
  EXPECT_EQ(action_line(e), "stop-owner pid 991 (python3): stopped by SIGTERM in 120 ms; port free");
}

TEST(ActionTextLine, KilledOwnerWhosePortIsStillTaken) {
  const Event e = with_action({.kind = "stop-owner",
                               .target = "pid 991 (python3)",
                               .result = "killed",
                               .signal = "SIGKILL",
                               .elapsed_ms = 310,
                               .port_free_after = false});
  EXPECT_EQ(action_line(e), "stop-owner pid 991 (python3): killed by SIGKILL in 310 ms; port still taken");
}

TEST(ActionTextLine, RefusalIsShownAsIs) {
  const Event e =
      with_action({.kind = "stop-owner", .target = "pid 1 (systemd)", .result = "refused: pid 1"});
  EXPECT_EQ(action_line(e), "stop-owner pid 1 (systemd): refused: pid 1");
}

TEST(ActionTextLine, NoActionNoLine) {
  EXPECT_EQ(event_to_text(Event{}, false).find("action"), std::string::npos);
}

TEST(ActionTextLine, HostileCommInTheTargetIsEscaped) {
  const Event e =
      with_action({.kind = "stop-owner", .target = "pid 9 (x\x1b[2J)", .result = "dry-run: would"});
  EXPECT_EQ(event_to_text(e, false).find('\x1b'), std::string::npos);
  EXPECT_EQ(action_line(e), "stop-owner pid 9 (x\\x1b[2J): dry-run: would");
}

}  // namespace
}  // namespace bindtrace
