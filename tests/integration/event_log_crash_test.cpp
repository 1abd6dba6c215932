// The event log under real failure: a writer SIGKILLed in the middle of a
// two-thread burst leaves only whole, uninterleaved JSON records once the log
// is opened again; a second writer in another process is named by pid; a full
// disk (a 64 KiB tmpfs) is counted, not fatal, and writing resumes when space
// returns.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/sinks/event_log.hpp"
#include "real_parts.hpp"
#include "expected_text.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::SmallTmpfs;
using testing::TempDir;

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool ends_in_newline(const std::string& path) {
  const std::string content = testing::read_file(path);
  return content.empty() || content.back() == '\n';
}

// Hostile bytes a traced process may put in its command line: quotes,
// backslashes, newlines, control characters, NUL, invalid UTF-8.
std::string hostile_cmdline(unsigned thread, std::uint64_t seq) {
  static const std::string kPieces[] = {
      "\"",       "\\",   "\n",           "\r\n",        "\x1b[2J", std::string(1, '\0'),
      "\xff\xfe", "\xc3", "}{\"seq\":0}", "\xe2\x80\xae"};
  // 1 byte .. ~24 KiB, so many records are larger than a page.
  const std::size_t length = 1 + (seq * 7919 + thread * 104729) % (24 << 10);
  std::string text;
  text.reserve(length + 16);
  for (std::uint64_t i = 0; text.size() < length; ++i) {
    text += kPieces[(seq + i) % std::size(kPieces)];
    text += static_cast<char>('a' + (thread + i) % 26);
  }
  return text;
}

Event burst_event(std::uint32_t round, unsigned thread, std::uint64_t seq) {
  Event event;
  event.err = 98;
  event.seq = seq;
  event.netns = round;
  event.process.tid = thread;
  event.process.cmdline = hostile_cmdline(thread, seq);
  return event;
}

// The writer: two threads appending through one EventLogSink until killed.
// Tells the parent on `ready` once its first records are written.
[[noreturn]] void run_writer(const EventLogOptions& options, std::uint32_t round, int ready) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  try {
    EventLog log(options);
    EventLogSink sink(log);
    auto burst = [&](unsigned thread) {
      for (std::uint64_t seq = 1;; ++seq) {
        sink.write(burst_event(round, thread, seq));
        if (thread == 1 && seq == 50) (void)::write(ready, "r", 1);
      }
    };
    std::thread second(burst, 2);
    burst(1);
  } catch (...) {
  }
  ::_exit(1);
}

// Oldest first: path.<keep> .. path.1, path.
std::vector<std::string> log_files(const std::string& path, unsigned keep) {
  std::vector<std::string> files;
  for (unsigned k = keep; k >= 1; --k) files.push_back(path + "." + std::to_string(k));
  files.push_back(path);
  return files;
}

TEST(EventLogCrash, KillDuringBurstLeavesOnlyWholeUninterleavedRecords) {
  TempDir dir("event-log-crash");
  const EventLogOptions options{.path = dir.path() + "/events.jsonl", .max_bytes = 256 << 10, .keep = 3};
  std::uint64_t repaired = 0;
  for (std::uint32_t round = 1; round <= 20; ++round) {
    int ready[2];
    ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
    const pid_t writer = ::fork();
    ASSERT_GE(writer, 0) << std::strerror(errno);
    if (writer == 0) {
      ::close(ready[0]);
      run_writer(options, round, ready[1]);
    }
    ::close(ready[1]);
    const bool started = testing::read_byte_within(ready[0]);
    ::close(ready[0]);
    // Vary where the kill lands: right away, or a few milliseconds into the burst.
    std::this_thread::sleep_for(std::chrono::microseconds(round % 4 * 1500));
    ::kill(writer, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(writer, &status, 0), writer);
    ASSERT_TRUE(started) << "round " << round << ": the writer ended before writing 50 records";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": status " << status;

    { repaired += EventLog(options).stats().repaired_tails; }

    // round -> thread -> last seq seen; each thread's records must follow
    // each other without a gap (a lost or merged record would leave one).
    std::map<std::pair<std::uint32_t, unsigned>, std::uint64_t> last;
    std::uint64_t this_round = 0;
    for (const std::string& file : log_files(options.path, options.keep)) {
      if (!fs::exists(file)) continue;
      ASSERT_TRUE(ends_in_newline(file)) << file << " after round " << round;
      for (const std::string& line : lines_of(file)) {
        nlohmann::json j;
        ASSERT_NO_THROW(j = nlohmann::json::parse(line))
            << file << " after round " << round << ": " << escape_for_terminal(line.substr(0, 200));
        const auto key = std::make_pair(j["netns"].get<std::uint32_t>(), j["process"]["tid"].get<unsigned>());
        const auto seq = j["seq"].get<std::uint64_t>();
        ASSERT_EQ(j["process"]["cmdline"], testing::with_replacements(hostile_cmdline(key.second, seq)))
            << file << ": round " << key.first << " thread " << key.second << " seq " << seq;
        if (const auto it = last.find(key); it != last.end()) {
          ASSERT_EQ(seq, it->second + 1) << file << ": round " << key.first << " thread " << key.second;
        }
        last[key] = seq;
        if (key.first == round) ++this_round;
      }
    }
    ASSERT_GT(this_round, 0u) << "round " << round << " left no record";
  }
  RecordProperty("repaired_tails", std::to_string(repaired));
}

TEST(EventLogLock, WriterInAnotherProcessIsNamedByPid) {
  TempDir dir("event-log-lock");
  const std::string path = dir.path() + "/events.jsonl";
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const pid_t holder = ::fork();
  ASSERT_GE(holder, 0);
  if (holder == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    try {
      EventLog log({.path = path});
      (void)::write(ready[1], "r", 1);
      ::pause();
    } catch (...) {
    }
    ::_exit(1);
  }
  ::close(ready[1]);
  const bool held = testing::read_byte_within(ready[0]);
  ::close(ready[0]);
  std::string message;
  if (held) {
    try {
      EventLog second({.path = path});
    } catch (const RuntimeError& e) {
      message = e.what();
    }
  }
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  ASSERT_TRUE(held) << "the first writer could not open " << path;
  EXPECT_EQ(message,
            "event log " + path + " is in use by another bindtrace (pid " + std::to_string(holder) + ")");
}

TEST(EventLogDiskFull, FullDiskIsCountedAndWritingResumesWhenSpaceReturns) {
  TempDir dir("event-log-enospc");
  SmallTmpfs tmpfs(dir.path(), "64k");
  if (!tmpfs.mounted()) {
    const std::string why = std::string("cannot mount a tmpfs (needs root): ") + std::strerror(tmpfs.error());
    if (testing::under_ci()) FAIL() << "CI is set, but " << why;
    GTEST_SKIP() << why;
  }
  const std::string filler = dir.path() + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    out << std::string(16 << 10, 'f');
  }
  ASSERT_EQ(fs::file_size(filler), 16u << 10);

  EventLog log({.path = dir.path() + "/events.jsonl", .max_bytes = 1 << 20});
  // 1000 bytes: never a multiple of the page size, so the record that meets
  // the full disk is cut short inside the kernel, not refused whole.
  const std::string record = "{\"pad\":\"" + std::string(1000 - 11, 'x') + "\"}";
  ASSERT_EQ(record.size() + 1, 1000u);
  std::uint64_t written = 0;
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {
    refused = !log.append(record);
    if (!refused) ++written;
  }
  ASSERT_TRUE(refused) << "64 KiB took 100 KB of records";
  EXPECT_FALSE(log.append(record));
  EventLogStats stats = log.stats();
  EXPECT_EQ(stats.records, written);
  EXPECT_EQ(stats.write_errors, 2u);
  EXPECT_EQ(stats.last_errno, ENOSPC);
  EXPECT_GE(stats.repaired_tails, 1u);
  EXPECT_TRUE(ends_in_newline(log.options().path));
  EXPECT_EQ(lines_of(log.options().path).size(), written);

  fs::remove(filler);
  EXPECT_TRUE(log.append(record));
  stats = log.stats();
  EXPECT_EQ(stats.records, written + 1);
  EXPECT_EQ(stats.write_errors, 2u);
  const std::vector<std::string> lines = lines_of(log.options().path);
  ASSERT_EQ(lines.size(), written + 1);
  for (const std::string& line : lines) EXPECT_EQ(line, record);
}

}  // namespace
}  // namespace bindtrace
