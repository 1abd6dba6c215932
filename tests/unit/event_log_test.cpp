// The event log writes whole records, rotates by size keeping `keep` private
// files (path.1 newest), cuts a torn tail when it opens a file, follows a
// reload to a new path or a moved file, and refuses a second writer.
#include "bindtrace/sinks/event_log.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "real_parts.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;

// A record of exactly 10 bytes with its '\n': {"n":"7"}
std::string ten_bytes(int n) {
  return "{\"n\":\"" + std::to_string(n % 10) + "\"}";
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class EventLogTest : public ::testing::Test {
 protected:
  TempDir dir_{"event-log"};
  std::string path_ = dir_.path() + "/events.jsonl";

  EventLogOptions small(std::uint64_t max_bytes, unsigned keep) const {
    return {.path = path_, .max_bytes = max_bytes, .keep = keep};
  }
  std::string rotated(unsigned k) const { return path_ + "." + std::to_string(k); }

  struct AfterOpen {
    std::string content;
    std::uint64_t repaired_tails = 0;
  };
  // The file as an EventLog leaves it after opening it with `content` in it.
  AfterOpen open_file_holding(const std::string& content) const {
    write_file(path_, content);
    EventLog log({.path = path_});
    return {read_file(path_), log.stats().repaired_tails};
  }
};

TEST_F(EventLogTest, AppendWritesWholeLinesAddingTheMissingNewline) {
  EventLog log({.path = path_});
  EXPECT_TRUE(log.append("{\"a\":1}\n"));
  EXPECT_TRUE(log.append("{\"b\":2}"));
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n{\"b\":2}\n");
  const EventLogStats stats = log.stats();
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(stats.bytes, 16u);
  EXPECT_EQ(stats.write_errors, 0u);
}

TEST_F(EventLogTest, LineHoldingTwoRecordsIsRefusedAndCounted) {
  EventLog log({.path = path_});
  EXPECT_FALSE(log.append("{\"a\":1}\n{\"b\":2}\n"));
  EXPECT_FALSE(log.append(""));
  EXPECT_EQ(read_file(path_), "");
  EXPECT_EQ(log.stats().write_errors, 2u);
  EXPECT_EQ(log.stats().last_errno, EINVAL);
  EXPECT_EQ(log.stats().records, 0u);
}

TEST_F(EventLogTest, MissingDirectoriesAreCreatedPrivate) {
  const std::string deep = dir_.path() + "/var/bindtrace/events.jsonl";
  EventLog log({.path = deep});
  EXPECT_EQ(mode_of(dir_.path() + "/var"), 0700u);
  EXPECT_EQ(mode_of(dir_.path() + "/var/bindtrace"), 0700u);
  EXPECT_EQ(mode_of(deep), 0600u);
}

TEST_F(EventLogTest, ExistingFileIsMadePrivateAndKept) {
  write_file(path_, "{\"old\":1}\n");
  ::chmod(path_.c_str(), 0644);
  EventLog log({.path = path_});
  EXPECT_EQ(mode_of(path_), 0600u);
  log.append("{\"new\":2}");
  EXPECT_EQ(read_file(path_), "{\"old\":1}\n{\"new\":2}\n");
}

TEST_F(EventLogTest, RotatesBeforeARecordWouldExceedMaxBytes) {
  EventLog log(small(30, 5));
  for (int n = 1; n <= 7; ++n) ASSERT_TRUE(log.append(ten_bytes(n)));
  EXPECT_EQ(read_file(rotated(2)), ten_bytes(1) + "\n" + ten_bytes(2) + "\n" + ten_bytes(3) + "\n");
  EXPECT_EQ(read_file(rotated(1)), ten_bytes(4) + "\n" + ten_bytes(5) + "\n" + ten_bytes(6) + "\n");
  EXPECT_EQ(read_file(path_), ten_bytes(7) + "\n");
  EXPECT_FALSE(fs::exists(rotated(3)));
  EXPECT_EQ(log.stats().rotations, 2u);
}

TEST_F(EventLogTest, KeepsAtMostKeepRotatedFilesNewestFirst) {
  EventLog log(small(10, 2));
  for (int n = 1; n <= 6; ++n) ASSERT_TRUE(log.append(ten_bytes(n)));
  EXPECT_EQ(read_file(path_), ten_bytes(6) + "\n");
  EXPECT_EQ(read_file(rotated(1)), ten_bytes(5) + "\n");
  EXPECT_EQ(read_file(rotated(2)), ten_bytes(4) + "\n");
  EXPECT_FALSE(fs::exists(rotated(3)));
  EXPECT_EQ(log.stats().rotations, 5u);
}

TEST_F(EventLogTest, RotatedAndFreshFilesArePrivate) {
  EventLog log(small(10, 2));
  for (int n = 1; n <= 3; ++n) ASSERT_TRUE(log.append(ten_bytes(n)));
  EXPECT_EQ(mode_of(path_), 0600u);
  EXPECT_EQ(mode_of(rotated(1)), 0600u);
  EXPECT_EQ(mode_of(rotated(2)), 0600u);
}

TEST_F(EventLogTest, KeepZeroStartsANewFileWithoutTruncatingTheOld) {
  EventLog log(small(10, 0));
  ASSERT_TRUE(log.append(ten_bytes(1)));
  std::ifstream reader(path_, std::ios::binary);  // a reader that has the full log open
  ASSERT_TRUE(log.append(ten_bytes(2)));
  EXPECT_EQ(read_file(path_), ten_bytes(2) + "\n");
  EXPECT_FALSE(fs::exists(rotated(1)));
  std::string seen;
  std::getline(reader, seen);
  EXPECT_EQ(seen, ten_bytes(1));
  EXPECT_EQ(log.stats().rotations, 1u);
}

TEST_F(EventLogTest, RecordLargerThanMaxBytesIsWrittenAloneInAFile) {
  EventLog log(small(10, 3));
  const std::string big = "{\"pad\":\"" + std::string(40, 'x') + "\"}";
  ASSERT_TRUE(log.append(big));
  EXPECT_EQ(log.stats().rotations, 0u);
  ASSERT_TRUE(log.append(ten_bytes(2)));
  EXPECT_EQ(read_file(rotated(1)), big + "\n");
  EXPECT_EQ(read_file(path_), ten_bytes(2) + "\n");
}

TEST_F(EventLogTest, ReloadWithSmallerKeepRemovesTheFilesBeyondIt) {
  EventLog log(small(10, 4));
  for (int n = 1; n <= 5; ++n) ASSERT_TRUE(log.append(ten_bytes(n)));
  ASSERT_TRUE(fs::exists(rotated(4)));
  log.reopen(small(10, 1));
  ASSERT_TRUE(log.append(ten_bytes(6)));
  EXPECT_EQ(read_file(rotated(1)), ten_bytes(5) + "\n");
  EXPECT_FALSE(fs::exists(rotated(2)));
  EXPECT_FALSE(fs::exists(rotated(3)));
  EXPECT_FALSE(fs::exists(rotated(4)));
}

TEST_F(EventLogTest, TornTailIsCutOnOpen) {
  write_file(path_, "{\"a\":1}\n{\"b\":");
  EventLog log({.path = path_});
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n");
  EXPECT_EQ(log.stats().repaired_tails, 1u);
  ASSERT_TRUE(log.append("{\"c\":3}"));
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n{\"c\":3}\n");
}

TEST_F(EventLogTest, FileWithoutANewlineIsEmptiedOnOpen) {
  const AfterOpen after = open_file_holding("{\"torn\":");
  EXPECT_EQ(after.content, "");
  EXPECT_EQ(after.repaired_tails, 1u);
}

TEST_F(EventLogTest, TornTailLongerThanOneReadIsCut) {
  const AfterOpen after = open_file_holding("{\"a\":1}\n" + std::string(300 << 10, 'x'));
  EXPECT_EQ(after.content, "{\"a\":1}\n");
  EXPECT_EQ(after.repaired_tails, 1u);
}

TEST_F(EventLogTest, WholeFileIsLeftAsItIs) {
  const AfterOpen after = open_file_holding("{\"a\":1}\n");
  EXPECT_EQ(after.content, "{\"a\":1}\n");
  EXPECT_EQ(after.repaired_tails, 0u);
}

TEST_F(EventLogTest, ReopenMovesToTheNewPath) {
  EventLog log({.path = path_});
  log.append("{\"a\":1}");
  const std::string other = dir_.path() + "/elsewhere/events.jsonl";
  log.reopen({.path = other});
  log.append("{\"b\":2}");
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n");
  EXPECT_EQ(read_file(other), "{\"b\":2}\n");
  EXPECT_EQ(log.options().path, other);
}

TEST_F(EventLogTest, ReopenAfterLogrotateMovedTheFileStartsANewOne) {
  EventLog log({.path = path_});
  log.append("{\"a\":1}");
  fs::rename(path_, path_ + ".moved");
  log.reopen(log.options());
  log.append("{\"b\":2}");
  EXPECT_EQ(read_file(path_ + ".moved"), "{\"a\":1}\n");
  EXPECT_EQ(read_file(path_), "{\"b\":2}\n");
  EXPECT_EQ(mode_of(path_), 0600u);
}

TEST_F(EventLogTest, ReopenOfTheFileItHoldsKeepsWritingToIt) {
  EventLog log({.path = path_});
  log.append("{\"a\":1}");
  log.reopen({.path = path_, .max_bytes = 1 << 20});
  log.append("{\"b\":2}");
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n{\"b\":2}\n");
  EXPECT_EQ(log.options().max_bytes, 1u << 20);
}

TEST_F(EventLogTest, FailedReopenKeepsTheCurrentFile) {
  EventLog log({.path = path_});
  write_file(dir_.path() + "/plain", "");
  EXPECT_THROW(log.reopen({.path = dir_.path() + "/plain/events.jsonl"}), RuntimeError);
  EXPECT_TRUE(log.append("{\"a\":1}"));
  EXPECT_EQ(read_file(path_), "{\"a\":1}\n");
  EXPECT_EQ(log.options().path, path_);
}

TEST_F(EventLogTest, SecondWriterOnTheSamePathIsRefused) {
  EventLog first({.path = path_});
  try {
    EventLog second({.path = path_});
    FAIL() << "a second EventLog opened " << path_;
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("event log " + path_ + " is in use by another bindtrace", 0), 0u)
        << e.what();
  }
  EXPECT_TRUE(first.append("{\"a\":1}"));
}

TEST_F(EventLogTest, PathIsFreeAgainOnceTheWriterIsGone) {
  { EventLog first({.path = path_}); }
  EXPECT_NO_THROW(EventLog second({.path = path_}));
}

TEST_F(EventLogTest, UnopenablePathNamesThePathAndTheReason) {
  write_file(dir_.path() + "/plain", "");
  const std::string bad = dir_.path() + "/plain/events.jsonl";
  try {
    EventLog log({.path = bad});
    FAIL() << "opened " << bad;
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("cannot open event log " + bad + ": ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find("Not a directory"), std::string::npos) << e.what();
  }
}

TEST_F(EventLogTest, PathThatIsNotARegularFileIsRefused) {
  ASSERT_EQ(::mkfifo(path_.c_str(), 0600), 0);
  try {
    EventLog log({.path = path_});
    FAIL() << "opened a FIFO";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "cannot open event log " + path_ + ": not a regular file");
  }
}

// Root writes the log: a planted link must not make it append to (and
// chmod) another file.
TEST_F(EventLogTest, SymlinkAtThePathIsNotFollowed) {
  const std::string target = dir_.path() + "/target";
  write_file(target, "precious\n");
  ::chmod(target.c_str(), 0644);
  fs::create_symlink(target, path_);
  EXPECT_THROW(EventLog({.path = path_}), RuntimeError);
  EXPECT_EQ(read_file(target), "precious\n");
  EXPECT_EQ(mode_of(target), 0644u);
}

TEST_F(EventLogTest, ConcurrentAppendsNeverShareALine) {
  EventLog log(small(64 << 10, 100));
  constexpr int kThreads = 4;
  constexpr int kRecords = 300;
  auto record = [](int thread, int n) {
    return "{\"t\":" + std::to_string(thread) + ",\"pad\":\"" +
           std::string(static_cast<std::size_t>(n * 37 % 9000), static_cast<char>('a' + thread)) + "\"}";
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int n = 0; n < kRecords; ++n) log.append(record(t, n));
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(log.stats().records, static_cast<std::uint64_t>(kThreads * kRecords));

  // Oldest file first: each thread's records then come in the order it wrote them.
  std::vector<std::string> files{path_};
  for (unsigned k = 1; fs::exists(rotated(k)); ++k) files.insert(files.begin(), rotated(k));
  std::vector<int> seen(kThreads, 0);
  for (const std::string& file : files) {
    for (const std::string& line : lines_of(file)) {
      const int thread = line.size() > 5 ? line[5] - '0' : -1;
      ASSERT_TRUE(thread >= 0 && thread < kThreads) << line.substr(0, 40);
      EXPECT_EQ(line, record(thread, seen[thread])) << "in " << file;
      ++seen[thread];
    }
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(seen[t], kRecords) << "thread " << t;
}

TEST_F(EventLogTest, SinkWritesOneValidJsonLinePerEvent) {
  EventLog log({.path = path_});
  EventLogSink sink(log);
  Event event;
  event.err = 98;
  event.process.comm = "evil\x1b[31m";
  event.process.cmdline = std::string("a\nb\"c\\d\0\x01\xff\xfe", 11) + "\r\n{\"injected\":1}";
  for (int n = 0; n < 3; ++n) sink.write(event);
  sink.flush();
  const std::vector<std::string> lines = lines_of(path_);
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) {
    const nlohmann::json j = nlohmann::json::parse(line);
    // NUL and control bytes survive as JSON escapes; \xff and \xfe each become U+FFFD.
    EXPECT_EQ(j["process"]["cmdline"],
              std::string("a\nb\"c\\d\0\x01\xef\xbf\xbd\xef\xbf\xbd", 15) + "\r\n{\"injected\":1}");
    EXPECT_EQ(j["process"]["comm"], event.process.comm);
  }
  EXPECT_EQ(log.stats().records, 3u);
}

}  // namespace
}  // namespace bindtrace
