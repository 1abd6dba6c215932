// The one-copy ring buffer mapping (user/capture/ring_reader.cpp): with a ring of two
// pages, 480-byte records wrap around its end every few events; each one must
// arrive whole, in order, and the counts must add up.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <regex>
#include <string>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

std::uint64_t counter(const std::string& closing, const std::string& name) {
  std::smatch m;
  const std::regex re(name + " (\\d+)");
  if (!std::regex_search(closing, m, re)) return ~0ull;
  return std::stoull(m[1]);
}

TEST(RingReaderTest, RecordsThatWrapAroundTheRingArriveWhole) {
  BINDTRACE_REQUIRE_BPF();
  const auto port = free_port();
  constexpr int kFailures = 3000;
  Child bt({BINDTRACE_BINARY, "--json", "--no-owner", "--port", std::to_string(port), "--key-budget", "0",
            "--ringbuf-size", "8K"});
  auto attached = bt.read_err_line();
  ASSERT_TRUE(attached && attached->find("attached") != std::string::npos);
  Child loop({testprog("bt_sock"), "-P", std::to_string(port), "--count", std::to_string(kFailures), "fail-loop"});
  ASSERT_EQ(loop.wait(), 0);
  bt.signal(SIGINT);

  std::uint64_t events = 0, aggregated = 0;
  while (auto line = bt.read_line(std::chrono::seconds(10))) {
    const auto j = nlohmann::json::parse(*line);  // a torn record would not decode to valid JSON
    if (j.value("record", "") == "aggregate") {
      aggregated += j["count"].get<std::uint64_t>();
      continue;
    }
    ++events;
    ASSERT_EQ(j["port"], port) << *line;
    ASSERT_EQ(j["error"], "EADDRINUSE") << *line;
    ASSERT_EQ(j["process"]["pid"], loop.pid()) << *line;
    ASSERT_EQ(j["process"]["comm"], "bt_sock") << *line;
    ASSERT_NE(j["process"]["cmdline"].get<std::string>().find("fail-loop"), std::string::npos) << *line;
  }
  EXPECT_EQ(bt.wait(), 0);
  const std::string err = bt.drain_stderr();
  const auto at = err.find("seen ");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string closing = err.substr(at, err.find('\n', at) - at);
  EXPECT_GT(events, 16u) << "the ring (8 KiB, ~16 records) wrapped at least once";
  EXPECT_EQ(counter(closing, "undecodable"), 0u) << closing;
  EXPECT_EQ(counter(closing, "dropped"), 0u) << closing;
  EXPECT_EQ(counter(closing, "printed"), events) << closing;
  EXPECT_EQ(events + aggregated, static_cast<std::uint64_t>(kFailures)) << closing;
}

}  // namespace
}  // namespace bindtrace
