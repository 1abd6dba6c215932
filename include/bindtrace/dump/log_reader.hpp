// Reads the agent's JSON-lines event log and its rotated files (PATH.<N> ...
// PATH.2, PATH.1, PATH: oldest first), one record at a time, without loading
// a file whole. Lines are untrusted: a torn last line, a line that is not JSON
// and a file that cannot be opened are counted and described, never fatal.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

// One event record: the line as stored (without its "\r\n" or "\n"), parsed, and its "time".
struct LogRecordView {
  std::string_view line;
  const nlohmann::json& record;
  std::int64_t time_ns;
};

struct LogFileStats {
  std::string path;
  bool opened = false;
  std::uint64_t records = 0;             // event records passed on
  std::uint64_t other_records = 0;       // {"record":"hook"|"action"|...} records
  std::uint64_t invalid_lines = 0;       // not JSON, not an object, no RFC 3339 "time", too long or too deep
  std::uint64_t first_invalid_line = 0;  // 1-based line number of the first of those
  bool torn_tail = false;                // the last line had no '\n' (skipped)
};

struct LogReadStats {
  std::vector<LogFileStats> files;    // every file looked at, oldest first
  std::vector<std::string> problems;  // one line each, paths as given (escape before printing)
  std::map<std::string, std::uint64_t>
      other_kinds;  // "record" value -> count; past kMaxOtherKinds names, "(other)"

  [[nodiscard]] std::size_t files_read() const;
  [[nodiscard]] std::uint64_t records() const;
  [[nodiscard]] std::uint64_t other_records() const;
  [[nodiscard]] std::uint64_t invalid_lines() const;
  [[nodiscard]] std::uint64_t torn_tails() const;
};

// Distinct "record" kinds counted by name; more fall under "(other)".
inline constexpr std::size_t kMaxOtherKinds = 16;
// Longer lines are skipped as invalid (an event is a few KiB).
inline constexpr std::size_t kMaxLogLineBytes = 1 << 20;
// Deeper JSON is skipped as invalid (an event nests 4 levels).
inline constexpr int kMaxLogNesting = 32;

struct LogFileSet {
  std::vector<std::string> paths;  // the files that exist, oldest first: PATH.<k> ... PATH.1, PATH
  std::vector<std::string> gaps;   // PATH.<i> missing between rotated files that exist
};

// Rotated files are looked for upwards from PATH.1 until 100 numbers in a row
// are missing, so a file deleted by hand does not hide the older ones.
[[nodiscard]] LogFileSet find_log_files(const std::string& path);

// Reads every file of find_log_files(path) in order. on_event gets each event record (a
// JSON object whose "record" is absent or "event"), on_other each record of
// another kind (may be empty). PATH itself missing is a problem, not an error.
[[nodiscard]] LogReadStats read_event_logs(const std::string& path,
                                           const std::function<void(const LogRecordView&)>& on_event,
                                           const std::function<void(const nlohmann::json&)>& on_other = {});

}  // namespace bindtrace
