// The JSON line follows the output contract of docs/events.md and stays valid JSON
// whatever the traced process put in its comm or command line.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "bindtrace/events/events.hpp"
#include "bindtrace/format/event_json.hpp"
#include "raw_events.hpp"

namespace bindtrace {
namespace {

Event sample(std::uint16_t port = 8001) {
  bt_event raw = testing::raw_event(BT_OP_BIND, 98);
  testing::set_ipv4(raw, "0.0.0.0", port);
  auto bytes = testing::bytes_of(raw);
  Event e = *decode_event(bytes, 1'700'000'000'000'000'000LL).event;
  e.process.cmdline = "uvicorn app:app --port 8001";
  e.process.cgroup = "/system.slice/connexa-backend.service";
  return e;
}

TEST(JsonContract, TopLevelKeysAndValues) {
  const nlohmann::json j = nlohmann::json::parse(event_to_json_line(sample()));
  EXPECT_EQ(j["event"], "bind_failed");
  EXPECT_EQ(j["errno"], 98);
  EXPECT_EQ(j["error"], "EADDRINUSE");
  EXPECT_EQ(j["proto"], "tcp");
  EXPECT_EQ(j["family"], "ipv4");
  EXPECT_EQ(j["addr"], "0.0.0.0");
  EXPECT_EQ(j["port"], 8001);
  EXPECT_EQ(j["netns"], 4026531840u);
  EXPECT_EQ(j["tier"], "tracepoint");
  EXPECT_EQ(j["time"], "2023-11-14T22:13:21.000000000Z");
}

TEST(JsonContract, ProcessObject) {
  const nlohmann::json p = nlohmann::json::parse(event_to_json_line(sample()))["process"];
  EXPECT_EQ(p["pid"], 1207);
  EXPECT_EQ(p["tid"], 1208);
  EXPECT_EQ(p["ppid"], 1190);
  EXPECT_EQ(p["uid"], 1000);
  EXPECT_EQ(p["comm"], "uvicorn");
  EXPECT_EQ(p["cmdline"], "uvicorn app:app --port 8001");
  EXPECT_EQ(p["cgroup"], "/system.slice/connexa-backend.service");
}

TEST(JsonContract, SocketOptionsAreReported) {
  Event e = sample();
  e.socket.reuseaddr = true;
  const nlohmann::json s = nlohmann::json::parse(event_to_json_line(e))["socket"];
  EXPECT_EQ(s["reuseaddr"], true);
  EXPECT_EQ(s["reuseport"], false);
  EXPECT_EQ(s["type"], "stream");
}

TEST(JsonContract, OneLineEndingInNewline) {
  const std::string line = event_to_json_line(sample());
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

TEST(JsonContract, UnixEndpointHasPathAndNoPort) {
  bt_event raw = testing::raw_event();
  testing::set_unix(raw, "/run/app.sock", false);
  auto bytes = testing::bytes_of(raw);
  const nlohmann::json j = nlohmann::json::parse(event_to_json_line(*decode_event(bytes, 0).event));
  EXPECT_EQ(j["family"], "unix");
  EXPECT_EQ(j["addr"], "/run/app.sock");
  EXPECT_FALSE(j.contains("port"));
}

TEST(JsonContract, HostileCommAndCmdlineStayValidJson) {
  Event e = sample();
  e.process.comm = std::string("ev\x1b]0;pwned\x07\xff\xfe", 14);
  e.process.cmdline = std::string("a\0b\"c\\d\n\xc3\x28", 11);
  std::string line;
  ASSERT_NO_THROW(line = event_to_json_line(e));
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(line));
  EXPECT_EQ(line.find('\x1b'), std::string::npos);  // escaped as \u001b by the encoder
  EXPECT_NE(j["process"]["comm"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);
}

TEST(JsonContract, SuccessfulBindHasEmptyError) {
  Event e = sample();
  e.err = 0;
  const nlohmann::json j = nlohmann::json::parse(event_to_json_line(e));
  EXPECT_EQ(j["event"], "bind");
  EXPECT_EQ(j["errno"], 0);
  EXPECT_EQ(j["error"], "");
}

}  // namespace
}  // namespace bindtrace
