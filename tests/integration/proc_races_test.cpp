// Races between the kernel's event and user space's look at /proc, made
// certain by stopping bindtrace (SIGSTOP) while the world changes: the
// failing process and the owner exit before the lookup (counted, the event
// still printed), the failing process's pid is reused by another process
// (never attributed to it), and a burst overflows a 4K ring buffer (every
// failure accounted for).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using testing::Child;
using testing::free_port;
using testing::testprog;

// The number after `name` in bindtrace's counters line ("dropped 3"); nullopt when absent.
std::optional<std::uint64_t> counter(const std::string& err, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(err, m, std::regex("[ ,]" + name + " ([0-9]+)"))) return std::nullopt;
  return std::stoull(m[1]);
}

class ProcRacesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    port_ = free_port();
  }

  // bindtrace --json on the port, attached, then stopped.
  std::unique_ptr<Child> stopped_tracer(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {BINDTRACE_BINARY, "--json", "--port", std::to_string(port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto bt = std::make_unique<Child>(argv);
    auto attached = bt->read_err_line();
    EXPECT_TRUE(attached && attached->find("attached") != std::string::npos) << bt->drain_stderr();
    bt->signal(SIGSTOP);
    return bt;
  }

  std::unique_ptr<Child> holder() {
    auto h =
        std::make_unique<Child>(std::vector<std::string>{testprog("bt_sock"), "-a", "127.0.0.1", "-P",
                                                         std::to_string(port_), "--stdin-hold", "listen"},
                                Child::Options{.pipe_stdin = true});
    EXPECT_TRUE(h->expect_line("ready"));
    return h;
  }

  // Fails to bind the held port with an argument area longer than the
  // kernel's 256-byte snapshot (so /proc is needed), then exits.
  pid_t fail_and_exit() {
    Child failer(
        {"env", "BT_PORT=" + std::to_string(port_), "BT_BIG_ARGS=8192", testprog("bt_hostile"), "fail"});
    EXPECT_TRUE(failer.expect_line("failed what=tcp errno=98"));
    EXPECT_EQ(failer.wait(), 0);
    return failer.pid();
  }

  std::uint16_t port_ = 0;
};

TEST_F(ProcRacesTest, AProcessGoneBeforeItsLookupIsCountedAndItsEventStillPrinted) {
  auto bt = stopped_tracer({"--max-events", "1"});
  auto owner = holder();
  const pid_t failer = fail_and_exit();
  owner->close_stdin();
  ASSERT_EQ(owner->wait(), 0);  // the owner is gone too
  bt->signal(SIGCONT);

  auto line = bt->read_line();
  ASSERT_TRUE(line) << bt->drain_stderr();
  EXPECT_EQ(bt->wait(), 0);
  const auto event = nlohmann::json::parse(*line);
  EXPECT_EQ(event["process"]["pid"], failer);
  EXPECT_EQ(event["process"]["cmdline_truncated"], true);  // the kernel's 256 bytes, /proc had nothing more
  EXPECT_EQ(event["owner"]["kind"], "gone") << event.dump();
  const std::string err = bt->drain_stderr();
  EXPECT_GE(counter(err, "process lookups failed").value_or(0), 1u) << err;
}

// clone3 with set_tid: the next process gets exactly `pid` (root only).
pid_t spawn_with_pid(pid_t pid, const std::vector<std::string>& argv) {
  std::vector<std::string> args = argv;
  std::vector<char*> exec_args;
  for (std::string& a : args) exec_args.push_back(a.data());
  exec_args.push_back(nullptr);
  pid_t wanted[1] = {pid};
  clone_args ca{};
  ca.exit_signal = SIGCHLD;
  ca.set_tid = reinterpret_cast<std::uint64_t>(wanted);
  ca.set_tid_size = 1;
  const long got = ::syscall(SYS_clone3, &ca, sizeof(ca));
  if (got == 0) {
    ::execv(exec_args[0], exec_args.data());
    ::_exit(127);
  }
  return static_cast<pid_t>(got);
}

TEST_F(ProcRacesTest, AReusedPidIsNeverTakenForTheProcessThatFailed) {
  auto bt = stopped_tracer();
  auto owner = holder();
  pid_t failer = 0, impostor = -1;
  // The pid is free once the failer is reaped, unless another process on the
  // host takes it first: then try again with a new failer.
  for (int attempt = 0; attempt < 5 && impostor < 0; ++attempt) {
    failer = fail_and_exit();
    // /proc's start time has clock-tick resolution: start the impostor a tick later.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    impostor = spawn_with_pid(failer, {"/bin/sleep", "60"});
    ASSERT_TRUE(impostor > 0 || errno == EEXIST) << "clone3 set_tid: " << std::strerror(errno);
  }
  ASSERT_EQ(impostor, failer);
  bt->signal(SIGCONT);

  std::optional<nlohmann::json> event;
  while (!event) {
    auto line = bt->read_line();
    if (!line) break;
    auto j = nlohmann::json::parse(*line);
    if (j["process"]["pid"] == failer) event = std::move(j);
  }
  bt->signal(SIGINT);
  ::kill(impostor, SIGKILL);
  ::waitpid(impostor, nullptr, 0);
  EXPECT_EQ(bt->wait(), 0);
  const std::string err = bt->drain_stderr();
  ASSERT_TRUE(event) << err;
  const std::string process = (*event)["process"].dump();
  EXPECT_EQ(process.find("sleep"), std::string::npos) << "attributed to the impostor: " << process;
  EXPECT_EQ((*event)["process"]["cmdline_truncated"], true) << process;
  EXPECT_FALSE((*event)["process"].contains("exe")) << process;
  EXPECT_GE(counter(err, "process lookups failed").value_or(0), 1u) << err;
}

// After a burst: prints one failure more until it shows up (the ring buffer
// is in order, so everything queued before it has been read), stops
// bindtrace, and checks that every failure is accounted for.
struct Accounting {
  std::uint64_t seen = 0, dropped = 0, aggregated = 0;
  std::string err;
};

Accounting drain_and_account(Child& bt, std::uint16_t port, std::uint64_t burst) {
  Accounting result;
  std::uint64_t sentinels = 0;
  std::vector<nlohmann::json> lines;
  bool sentinel_seen = false;
  for (int i = 0; i < 50 && !sentinel_seen; ++i) {
    Child sentinel({testprog("bt_sock"), "-a", "10.255.255.2", "-P", std::to_string(port), "bind"});
    sentinel.wait();
    ++sentinels;
    while (auto line = bt.read_line(std::chrono::milliseconds(200))) {
      lines.push_back(nlohmann::json::parse(*line));
      if (lines.back().value("addr", "") == "10.255.255.2") sentinel_seen = true;
    }
  }
  EXPECT_TRUE(sentinel_seen);
  bt.signal(SIGINT);
  // Read to the end before waiting: the storm records at exit outgrow the pipe.
  while (auto line = bt.read_line()) lines.push_back(nlohmann::json::parse(*line));
  EXPECT_EQ(bt.wait(), 0);
  const std::string err = bt.drain_stderr();
  result.err = err;

  const auto seen = counter(err, "seen"), filtered = counter(err, "filtered"),
             emitted = counter(err, "emitted"), dropped = counter(err, "dropped"),
             printed = counter(err, "printed");
  EXPECT_TRUE(seen && filtered && emitted && dropped && printed) << err;
  if (!(seen && filtered && emitted && dropped && printed)) return result;
  result.seen = *seen;
  result.dropped = *dropped;
  result.aggregated = counter(err, "aggregated").value_or(0);
  EXPECT_EQ(*seen, burst + sentinels) << err;
  // Nothing is lost without a count: sent, counted per endpoint, or dropped.
  EXPECT_EQ(*seen, *filtered + *emitted + result.aggregated + *dropped) << err;

  std::uint64_t event_lines = 0, aggregate_count = 0;
  for (const nlohmann::json& j : lines) {
    if (j.value("record", "") == "aggregate")
      aggregate_count += j.value("count", 0ULL);
    else if (!j.contains("record"))
      ++event_lines;
  }
  EXPECT_EQ(event_lines, *printed) << err;
  EXPECT_EQ(aggregate_count, result.aggregated) << err;
  return result;
}

TEST_F(ProcRacesTest, AStormOnOneEndpointIsCountedPerEndpointWhenTheRingBufferIsFull) {
  auto bt = stopped_tracer({"--ringbuf-size", "4K", "--no-owner"});
  Child storm({testprog("bt_sock"), "-P", std::to_string(port_), "--count", "2000", "fail-loop"});
  ASSERT_TRUE(storm.expect_line("failures 2000"));
  storm.wait();
  bt->signal(SIGCONT);
  const Accounting a = drain_and_account(*bt, port_, 2000);
  EXPECT_GT(a.aggregated, 0u) << a.err;
}

TEST_F(ProcRacesTest, FailuresBeyondTheRingBufferAndTheAggregateMapAreDroppedCountedAndShown) {
  // More endpoints than the aggregate map holds (4096 keys), one failure each.
  constexpr std::uint16_t kFirst = 20000, kPorts = 6000;
  auto bt = stopped_tracer({"--ringbuf-size", "4K", "--no-owner", "--port",
                            std::to_string(kFirst) + "-" + std::to_string(kFirst + kPorts - 1)});
  for (std::uint16_t port = kFirst; port < kFirst + kPorts; ++port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(0x0affff01);  // 10.255.255.1: on no interface, EADDRNOTAVAIL
    ASSERT_NE(::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
    ::close(fd);
  }
  bt->signal(SIGCONT);
  const Accounting a = drain_and_account(*bt, kFirst, kPorts);
  EXPECT_GT(a.dropped, 0u) << a.err;  // shown in the counters line ("dropped N")
}

}  // namespace
}  // namespace bindtrace
