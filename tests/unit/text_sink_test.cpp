// The text block: readable, colour only when asked, never a raw control
// character from the traced process.
#include <gtest/gtest.h>

#include "bindtrace/events/events.hpp"
#include "bindtrace/sinks.hpp"
#include "raw_events.hpp"

namespace bindtrace {
namespace {

Event sample() {
  bt_event raw = testing::raw_event(BT_OP_BIND, 98);
  testing::set_ipv6(raw, "::", 8001);
  auto bytes = testing::bytes_of(raw);
  return *decode_event(bytes, 0).event;
}

TEST(TextBlock, HeadlineNamesEventErrorAndEndpoint) {
  const std::string text = event_to_text(sample(), false);
  const std::string first = text.substr(0, text.find('\n'));
  EXPECT_NE(first.find("bind_failed"), std::string::npos);
  EXPECT_NE(first.find("EADDRINUSE"), std::string::npos);
  EXPECT_NE(first.find("tcp [::]:8001"), std::string::npos);
  EXPECT_NE(text.find("uvicorn (pid 1207, tid 1208, ppid 1190, uid 1000)"), std::string::npos);
}

TEST(TextBlock, NoColourUnlessAsked) {
  EXPECT_EQ(event_to_text(sample(), false).find('\x1b'), std::string::npos);
  EXPECT_NE(event_to_text(sample(), true).find("\x1b[1;31m"), std::string::npos);
}

TEST(TextBlock, TerminalEscapesFromTheTracedProcessAreNeutralised) {
  Event e = sample();
  e.process.comm = "x\x1b[2Jy";
  e.process.cmdline = "srv \x1b]0;owned\x07 --port 1\r\n";
  e.process.cgroup = "/a\x9b" "b";
  const std::string text = event_to_text(e, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\x07'), std::string::npos);
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_NE(text.find("x\\x1b[2Jy"), std::string::npos);
}

TEST(TextBlock, HostileUnixPathIsEscaped) {
  bt_event raw = testing::raw_event();
  testing::set_unix(raw, std::string("evil\x1b[31m", 9), true);
  auto bytes = testing::bytes_of(raw);
  const std::string text = event_to_text(*decode_event(bytes, 0).event, false);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("unix @evil\\x1b[31m"), std::string::npos);
}

TEST(TextBlock, SocketOptionsAreShown) {
  Event e = sample();
  e.socket.reuseaddr = true;
  const std::string text = event_to_text(e, false);
  EXPECT_NE(text.find("SO_REUSEADDR on"), std::string::npos);
  EXPECT_NE(text.find("SO_REUSEPORT off"), std::string::npos);
}

}  // namespace
}  // namespace bindtrace
