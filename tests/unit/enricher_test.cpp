// Completing events from /proc (fixtures): only while the pid still belongs
// to the process that made the event; a reused pid is a failed lookup, never
// another process's command line.
#include "bindtrace/proc/enricher.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace bindtrace {
namespace {

// tests/fixtures/proc/1001/stat: start time 123456789 ticks after boot.
std::uint64_t fixture_start_ns() {
  return 123456789ULL * (1'000'000'000ULL / static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK)));
}

Event truncated_event(std::uint64_t boot_ns) {
  Event e;
  e.boot_ns = boot_ns;
  e.process.pid = 1001;
  e.process.cmdline = "python3 -m http.ser";
  e.process.cmdline_truncated = true;
  return e;
}

TEST(EventEnricher, ALongCommandLineIsCompletedFromProc) {
  EventEnricher enricher(BINDTRACE_FIXTURES_DIR "/proc");
  Event e = truncated_event(fixture_start_ns() + 5'000'000'000ULL);
  EXPECT_EQ(enricher.complete(e), 0u);
  EXPECT_EQ(e.process.cmdline, "python3 -m http.server 8001");
  EXPECT_FALSE(e.process.cmdline_truncated);
  EXPECT_EQ(e.process.cgroup, "/system.slice/web.service");
}

TEST(EventEnricher, APidStartedAfterTheEventIsAnotherProcessAndIsNotRead) {
  EventEnricher enricher(BINDTRACE_FIXTURES_DIR "/proc");
  Event e = truncated_event(fixture_start_ns() - 5'000'000'000ULL);  // the event came before pid 1001 started
  EXPECT_EQ(enricher.complete(e), 2u);                               // cmdline and cgroup, both counted
  EXPECT_EQ(e.process.cmdline, "python3 -m http.ser");
  EXPECT_TRUE(e.process.cmdline_truncated);
  EXPECT_EQ(e.process.cgroup, "");
}

TEST(EventEnricher, AProcessThatVanishedIsCountedAndTheEventKept) {
  EventEnricher enricher(BINDTRACE_FIXTURES_DIR "/proc");
  Event e = truncated_event(fixture_start_ns());
  e.process.pid = 999999;
  EXPECT_EQ(enricher.complete(e), 2u);
  EXPECT_EQ(e.process.cmdline, "python3 -m http.ser");
  EXPECT_TRUE(e.process.cmdline_truncated);
}

TEST(EventEnricher, TheProcessSnapshotCompletesTheEventWithoutAnotherRead) {
  EventEnricher enricher(BINDTRACE_FIXTURES_DIR "/proc");
  Event e = truncated_event(fixture_start_ns());
  e.process.pid = 999999;  // nothing of it under the root: only the snapshot can answer
  ProcessSnapshot process;
  process.cmdline = "python3 -m http.server 8001";
  process.cgroup = "/system.slice/web.service";
  EXPECT_EQ(enricher.complete(e, process), 0u);
  EXPECT_EQ(e.process.cmdline, "python3 -m http.server 8001");
  EXPECT_FALSE(e.process.cmdline_truncated);
  EXPECT_EQ(e.process.cgroup, "/system.slice/web.service");
}

TEST(EventEnricher, NoSnapshotMeansBothLookupsFailed) {
  EventEnricher enricher(BINDTRACE_FIXTURES_DIR "/proc");
  Event e = truncated_event(fixture_start_ns());  // pid 1001 is readable, but was not read
  EXPECT_EQ(enricher.complete(e, std::nullopt), 2u);
  EXPECT_EQ(e.process.cmdline, "python3 -m http.ser");
  EXPECT_TRUE(e.process.cmdline_truncated);
  EXPECT_EQ(e.process.cgroup, "");
}

TEST(ProcReaderAliveSince, TheStartTickItselfCounts) {
  const ProcReader proc(BINDTRACE_FIXTURES_DIR "/proc");
  EXPECT_TRUE(proc.is_alive_since(1001, fixture_start_ns()));
  EXPECT_FALSE(proc.is_alive_since(1001, fixture_start_ns() - 1));
  EXPECT_TRUE(proc.is_alive_since(1001, 0));  // unknown time: existence only
  EXPECT_FALSE(proc.is_alive_since(999999, 0));
}

}  // namespace
}  // namespace bindtrace
