// The per-key budget: past N events per second for one process, endpoint and
// error, the kernel counts instead of sending, and the counts add up to every
// failure (nothing lost, nothing shown twice).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <csignal>
#include <ctime>
#include <string>
#include <vector>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

struct Outcome {
  std::uint64_t events = 0;      // full events on the port
  std::uint64_t aggregated = 0;  // sum of the aggregate records' counts on the port
  std::vector<std::int64_t> event_ns;  // each full event's time (ns since the epoch), in order
};

// "2026-12-04T07:52:11.123456789Z" -> ns since the epoch.
std::int64_t epoch_ns(const std::string& time) {
  std::tm tm{};
  const char* rest = ::strptime(time.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  EXPECT_TRUE(rest && *rest == '.') << time;
  if (!rest || *rest != '.') return 0;
  return static_cast<std::int64_t>(::timegm(&tm)) * 1'000'000'000 + std::strtoll(rest + 1, nullptr, 10);
}

// Traces `failures` failing binds from one process (bt_sock fail-loop: it
// holds the port itself, then binds it again and again).
Outcome storm(std::uint16_t port, int failures, const std::string& budget) {
  Child bt({BINDTRACE_BINARY, "--json", "--no-owner", "--port", std::to_string(port), "--key-budget", budget});
  auto attached = bt.read_err_line();
  EXPECT_TRUE(attached && attached->find("attached") != std::string::npos) << (attached ? *attached : "");
  Child loop({testprog("bt_sock"), "-P", std::to_string(port), "--count", std::to_string(failures), "fail-loop"});
  EXPECT_EQ(loop.wait(), 0);
  bt.signal(SIGINT);
  Outcome out;
  while (auto line = bt.read_line(std::chrono::seconds(10))) {
    const auto j = nlohmann::json::parse(*line);
    if (j.value("port", 0) != port) continue;
    if (j.value("record", "") == "aggregate") out.aggregated += j["count"].get<std::uint64_t>();
    else {
      ++out.events;
      out.event_ns.push_back(epoch_ns(j.value("time", "")));
    }
  }
  EXPECT_EQ(bt.wait(), 0);
  return out;
}

class KeyBudgetTest : public ::testing::Test {
 protected:
  void SetUp() override { BINDTRACE_REQUIRE_BPF(); }
};

TEST_F(KeyBudgetTest, PastTheBudgetFailuresAreCountedNotShownAndNoneIsLost) {
  const auto port = free_port();
  const Outcome o = storm(port, 2000, "5");
  // The first five failures always go out whole, however slow the loop.
  EXPECT_GE(o.events, 5u);
  EXPECT_LT(o.events, 2000u);
  EXPECT_EQ(o.events + o.aggregated, 2000u);
  // The kernel's window opens with a failure sent whole and lasts a second:
  // replayed from the events' own times, no window holds more than five.
  ASSERT_EQ(o.event_ns.size(), o.events);
  std::int64_t window = o.event_ns.front();
  unsigned in_window = 0;
  for (const std::int64_t t : o.event_ns) {
    if (t - window >= 1'000'000'000) {
      window = t;
      in_window = 0;
    }
    EXPECT_LE(++in_window, 5u) << "more than five full events within a second of " << window;
  }
}

TEST_F(KeyBudgetTest, ZeroMeansEveryFailureInFull) {
  const auto port = free_port();
  const Outcome o = storm(port, 500, "0");
  EXPECT_EQ(o.events, 500u);
  EXPECT_EQ(o.aggregated, 0u);
}

TEST_F(KeyBudgetTest, EachProcessHasItsOwnBudget) {
  const auto port = free_port();
  Child bt({BINDTRACE_BINARY, "--json", "--no-owner", "--port", std::to_string(port), "--key-budget", "3"});
  ASSERT_TRUE(bt.read_err_line());
  Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
               Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(holder.expect_line("ready"));
  // Four processes failing once each: four keys, each within its budget.
  for (int i = 0; i < 4; ++i) {
    Child fail({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
    ASSERT_EQ(fail.wait(), 1);
  }
  int events = 0;
  for (int i = 0; i < 4; ++i) {
    auto line = bt.read_line();
    ASSERT_TRUE(line) << "event " << i;
    const auto j = nlohmann::json::parse(*line);
    EXPECT_FALSE(j.contains("record")) << *line;
    ++events;
  }
  EXPECT_EQ(events, 4);
  bt.signal(SIGINT);
  EXPECT_EQ(bt.wait(), 0);
}

TEST(KeyBudgetOption, ABadValueIsAUsageError) {
  for (const char* bad : {"x", "-1", "10000001", ""}) {
    Child bt({BINDTRACE_BINARY, "--key-budget", bad});
    EXPECT_EQ(bt.wait(), 2) << bad;
    auto err = bt.read_err_line();
    ASSERT_TRUE(err) << bad;
    EXPECT_NE(err->find("--key-budget"), std::string::npos) << *err;
  }
}

}  // namespace
}  // namespace bindtrace
