// The agent's event log, read back for `dump`: rotated files oldest first,
// line by line through a fixed buffer, every skipped line counted.
#include "bindtrace/dump/log_reader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "bindtrace/dump/record_fields.hpp"
#include "bindtrace/dump/time_spec.hpp"

namespace bindtrace {
namespace {

constexpr std::uint64_t kMaxRotationGap = 100;

std::filesystem::file_type file_type_of(const std::string& path) {
  std::error_code ec;
  return std::filesystem::status(path, ec).type();
}

// Present unless stat says it is not there: a file we may not stat is still
// tried, so opening it reports why it cannot be read.
bool present(const std::string& path) {
  return file_type_of(path) != std::filesystem::file_type::not_found;
}

// Brackets outside strings: nlohmann::json copies and prints recursively, so a
// hostile "[[[[..." line must be refused before it is parsed.
bool nesting_within(std::string_view text, int max_depth) noexcept {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

bool blank(std::string_view line) noexcept {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

enum class LineKind { whole, torn, too_long, end };

// Lines of at most kMaxLogLineBytes through one reused buffer.
class LineReader {
 public:
  explicit LineReader(std::vector<char>& buffer) : buffer_(buffer) {}

  LineKind next(std::istream& in, std::string_view& line) {
    in.getline(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (in.bad()) return LineKind::end;
    if (in.eof()) {
      if (got == 0) return LineKind::end;
      line = std::string_view(buffer_.data(), got);
      return LineKind::torn;
    }
    if (in.fail()) {  // the buffer filled before a '\n'
      in.clear();
      in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
      return in.eof() ? LineKind::torn : LineKind::too_long;
    }
    line = std::string_view(buffer_.data(), got - 1);  // gcount counted the '\n'
    return LineKind::whole;
  }

 private:
  std::vector<char>& buffer_;
};

class FileReader {
 public:
  FileReader(LogReadStats& stats, std::vector<char>& buffer,
             const std::function<void(const LogRecordView&)>& on_event,
             const std::function<void(const nlohmann::json&)>& on_other)
      : stats_(stats), lines_(buffer), on_event_(on_event), on_other_(on_other) {}

  void read(LogFileStats& file) {
    if (file_type_of(file.path) == std::filesystem::file_type::directory) {
      stats_.problems.push_back(file.path + ": is a directory, not a log file");
      return;
    }
    errno = 0;
    std::ifstream in(file.path, std::ios::binary);
    if (!in) {
      const int err = errno;
      stats_.problems.push_back(file.path +
                                ": cannot open: " + (err != 0 ? std::strerror(err) : "unknown error"));
      return;
    }
    file.opened = true;
    std::uint64_t line_number = 0;
    std::string_view line;
    for (LineKind kind; (kind = lines_.next(in, line)) != LineKind::end;) {
      ++line_number;
      if (kind == LineKind::torn) {
        file.torn_tail = true;
        stats_.problems.push_back(file.path + ": torn last record skipped (the writer was killed mid-write)");
      } else if (kind == LineKind::too_long || !take(line, file)) {
        if (file.invalid_lines++ == 0) file.first_invalid_line = line_number;
      }
    }
    if (in.bad())
      stats_.problems.push_back(file.path + ": read error after line " + std::to_string(line_number));
    if (file.invalid_lines > 0) {
      stats_.problems.push_back(file.path + ": " + std::to_string(file.invalid_lines) +
                                " unparsable line(s) skipped (the first is line " +
                                std::to_string(file.first_invalid_line) + ")");
    }
  }

 private:
  // False when the line is not a record.
  bool take(std::string_view line, LogFileStats& file) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (blank(line)) return true;  // nothing was written there, nothing is lost
    if (!nesting_within(line, kMaxLogNesting)) return false;
    const nlohmann::json record =
        nlohmann::json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) return false;  // also a parse error (discarded)
    if (const auto kind = record.find("record"); kind != record.end() && *kind != "event") {
      ++file.other_records;
      count_other_kind(kind->is_string() ? kind->get<std::string>() : std::string("(other)"));
      if (on_other_) on_other_(record);
      return true;
    }
    const auto time_ns = parse_rfc3339_ns(string_field(record, "time"));
    if (!time_ns) return false;
    ++file.records;
    on_event_(LogRecordView{line, record, *time_ns});
    return true;
  }

  void count_other_kind(const std::string& kind) {
    auto& counts = stats_.other_kinds;
    if (counts.contains(kind) || counts.size() < kMaxOtherKinds)
      ++counts[kind];
    else
      ++counts["(other)"];
  }

  LogReadStats& stats_;
  LineReader lines_;
  const std::function<void(const LogRecordView&)>& on_event_;
  const std::function<void(const nlohmann::json&)>& on_other_;
};

template <typename Count>
std::uint64_t total(const std::vector<LogFileStats>& files, Count count) {
  std::uint64_t n = 0;
  for (const LogFileStats& f : files) n += static_cast<std::uint64_t>(count(f));
  return n;
}

}  // namespace

LogFileSet find_log_files(const std::string& path) {
  LogFileSet set;
  std::vector<std::string> newest_first;
  std::vector<std::string> missing;  // since the last file found
  for (std::uint64_t k = 1; missing.size() < kMaxRotationGap; ++k) {
    std::string rotated = path + "." + std::to_string(k);
    if (!present(rotated)) {
      missing.push_back(std::move(rotated));
      continue;
    }
    set.gaps.insert(set.gaps.end(), missing.begin(), missing.end());
    missing.clear();
    newest_first.push_back(std::move(rotated));
  }
  set.paths.assign(newest_first.rbegin(), newest_first.rend());
  if (present(path)) set.paths.push_back(path);
  return set;
}

LogReadStats read_event_logs(const std::string& path,
                             const std::function<void(const LogRecordView&)>& on_event,
                             const std::function<void(const nlohmann::json&)>& on_other) {
  LogReadStats stats;
  const LogFileSet set = find_log_files(path);
  for (const std::string& gap : set.gaps)
    stats.problems.push_back(gap + ": missing between rotated files (deleted by hand?)");
  if (set.paths.empty() || set.paths.back() != path)
    stats.problems.push_back(path + ": no such file" +
                             (set.paths.empty() ? "" : " (reading the rotated files)"));

  std::vector<char> buffer(kMaxLogLineBytes + 1);  // + the '\0' istream::getline stores
  FileReader reader(stats, buffer, on_event, on_other);
  for (const std::string& file_path : set.paths) {
    stats.files.push_back(LogFileStats{.path = file_path});
    reader.read(stats.files.back());
  }
  return stats;
}

std::size_t LogReadStats::files_read() const {
  return total(files, [](const LogFileStats& f) { return f.opened ? 1 : 0; });
}
std::uint64_t LogReadStats::records() const {
  return total(files, [](const LogFileStats& f) { return f.records; });
}
std::uint64_t LogReadStats::other_records() const {
  return total(files, [](const LogFileStats& f) { return f.other_records; });
}
std::uint64_t LogReadStats::invalid_lines() const {
  return total(files, [](const LogFileStats& f) { return f.invalid_lines; });
}
std::uint64_t LogReadStats::torn_tails() const {
  return total(files, [](const LogFileStats& f) { return f.torn_tail ? 1 : 0; });
}

}  // namespace bindtrace
