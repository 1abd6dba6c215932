// The text report of `dump`, from counts kept per endpoint, owner, diagnosis
// and the event times. Record strings are kept raw and escaped when printed.
#include "bindtrace/dump/summary.hpp"

#include <algorithm>
#include <array>

#include "bindtrace/events/clock.hpp"
#include "bindtrace/dump/record_fields.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSecond = 1000 * kNsPerMs;
constexpr std::int64_t kNsPerDay = 86'400 * kNsPerSecond;
constexpr std::int64_t kMaxTimelineRows = 40;
constexpr std::size_t kTopRows = 10;
constexpr std::size_t kBarWidth = 40;
constexpr std::size_t kMaxHoldersPerEvent = 8;

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string pad_right(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string pad_left(const std::string& text, std::size_t width) {
  return text.size() < width ? std::string(width - text.size(), ' ') + text : text;
}

std::string count_column(std::uint64_t n) {
  return pad_left(std::to_string(n), 8);
}

// "a, b, c" of the non-empty parts, in parentheses; "" when all are empty.
std::string parenthesized(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    joined += (joined.empty() ? "" : ", ") + part;
  }
  return joined.empty() ? "" : " (" + joined + ")";
}

std::string if_nonzero(std::uint64_t n, const std::string& text) {
  return n == 0 ? "" : text;
}

std::string describe_recorder(const DumpSources& s) {
  if (!s.recorder_wanted) return "recorder: not read (--no-recorder)";
  const RecorderReadStats& r = s.recorder;
  if (!r.present) return "recorder: none" + parenthesized({escape_for_terminal(r.error)});
  if (!r.error.empty()) return "recorder: unreadable (" + escape_for_terminal(r.error) + ")";
  return "recorder: " + plural(r.read, "event", "events") +
         parenthesized(
             {std::to_string(s.recorder_not_in_log) + " not in the log",
              if_nonzero(r.overwritten, std::to_string(r.overwritten) + " overwritten before they were read"),
              if_nonzero(r.undecodable, std::to_string(r.undecodable) + " undecodable")});
}

// "tcp 0.0.0.0:8001", "udp [::1]:53", "unix /run/x.sock" (raw; escaped when printed).
std::string endpoint_of(const nlohmann::json& event) {
  const std::string family = string_field(event, "family");
  const std::string addr = string_field(event, "addr");
  if (family == "unix") return "unix " + addr;
  std::string text = string_field(event, "proto");
  if (text.empty()) text = "?";
  text += " ";
  const auto port = port_field(event);
  const bool bracket = family == "ipv6" && port && event.value("v4_mapped", nlohmann::json()) != true;
  text += bracket ? "[" + addr + "]" : addr;
  if (port) text += ":" + std::to_string(*port);
  return text;
}

std::string service_of(const nlohmann::json& holder) {
  const nlohmann::json* service = object_field(holder, "service");
  if (service == nullptr) return "";
  const std::string manager = string_field(*service, "manager");
  const std::string name = string_field(*service, "name");
  return name.empty() ? manager : manager + " " + name;
}

// One key per holder ("python3 (pid 991)"), or the owner kind when there is none.
std::vector<std::tuple<std::string, std::string>> owner_keys(const nlohmann::json& event) {
  std::vector<std::tuple<std::string, std::string>> keys;
  const nlohmann::json* owner = object_field(event, "owner");
  if (owner == nullptr) return keys;
  const auto holders = owner->find("holders");
  if (holders != owner->end() && holders->is_array()) {
    for (const nlohmann::json& holder : *holders) {
      if (keys.size() == kMaxHoldersPerEvent) break;
      if (!holder.is_object()) continue;
      std::string who = string_field(holder, "comm");
      if (who.empty()) who = "?";
      if (auto pid = unsigned_field(holder, "pid")) who += " (pid " + std::to_string(*pid) + ")";
      keys.emplace_back(std::move(who), service_of(holder));
    }
  }
  if (keys.empty()) {
    const std::string kind = string_field(*owner, "kind");
    keys.emplace_back("[" + (kind.empty() ? std::string("?") : kind) + "]", "");
  }
  return keys;
}

// The rows with the highest counts (ties: key order), at most kTopRows.
template <typename Key>
std::vector<std::pair<Key, std::uint64_t>> top_rows(const std::map<Key, std::uint64_t>& counts) {
  std::vector<std::pair<Key, std::uint64_t>> rows(counts.begin(), counts.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (rows.size() > kTopRows) rows.resize(kTopRows);
  return rows;
}

template <typename Key>
std::string more_rows(const std::map<Key, std::uint64_t>& counts) {
  if (counts.size() <= kTopRows) return "";
  return "         ... and " + std::to_string(counts.size() - kTopRows) + " more\n";
}

// b - a for a <= b, without overflow (hostile records may be centuries apart).
std::uint64_t distance(std::int64_t a, std::int64_t b) noexcept {
  return static_cast<std::uint64_t>(b) - static_cast<std::uint64_t>(a);
}

std::int64_t floor_to(std::int64_t value, std::int64_t step) noexcept {
  std::int64_t q = value / step;
  if (value % step < 0) --q;
  std::int64_t floored = 0;
  return __builtin_mul_overflow(q, step, &floored) ? value : floored;
}

// "2026-11-22 01:05:00", with ".123" when buckets are shorter than a second.
std::string bucket_label(std::int64_t start_ns, std::int64_t step_ns) {
  const std::string rfc = format_rfc3339_ns(start_ns);  // 2026-11-22T01:05:00.123456789Z
  std::string label = rfc.substr(0, 10) + " " + rfc.substr(11, 8);
  if (step_ns < kNsPerSecond) label += rfc.substr(19, 4);
  return label;
}

std::string file_details(const LogFileStats& f) {
  if (!f.opened) return "not read";
  return plural(f.records, "record", "records") +
         parenthesized(
             {f.torn_tail ? "torn tail" : "",
              if_nonzero(f.invalid_lines, plural(f.invalid_lines, "invalid line", "invalid lines")),
              if_nonzero(f.other_records, plural(f.other_records, "other record", "other records"))});
}

void append_field(std::string& out, const char* label, const std::string& text) {
  out += "  " + pad_right(label, 9) + " " + text + "\n";
}

}  // namespace

std::string describe_sources(const DumpSources& s) {
  const LogReadStats& logs = s.logs;
  const std::uint64_t torn = logs.torn_tails();
  const std::uint64_t invalid = logs.invalid_lines();
  const std::uint64_t other = logs.other_records();
  std::string text = logs.files_read() == 0 ? std::string("no log file")
                                            : plural(logs.files_read(), "file", "files") + ", " +
                                                  plural(logs.records(), "record", "records");
  text += parenthesized(
      {if_nonzero(torn, plural(torn, "torn tail", "torn tails") + " skipped"),
       if_nonzero(invalid, plural(invalid, "invalid line", "invalid lines") + " skipped"),
       if_nonzero(other, plural(other, "other record", "other records")),
       if_nonzero(s.repeated_log_records,
                  plural(s.repeated_log_records, "repeated record", "repeated records") + " dropped")});
  return text + ", " + describe_recorder(s);
}

std::int64_t timeline_bucket_ns(std::uint64_t span_ns) {
  static constexpr std::array<std::int64_t, 27> kSteps = {
      1 * kNsPerMs,         2 * kNsPerMs,         5 * kNsPerMs,
      10 * kNsPerMs,        20 * kNsPerMs,        50 * kNsPerMs,
      100 * kNsPerMs,       200 * kNsPerMs,       500 * kNsPerMs,
      kNsPerSecond,         2 * kNsPerSecond,     5 * kNsPerSecond,
      10 * kNsPerSecond,    15 * kNsPerSecond,    30 * kNsPerSecond,
      60 * kNsPerSecond,    120 * kNsPerSecond,   300 * kNsPerSecond,
      600 * kNsPerSecond,   900 * kNsPerSecond,   1800 * kNsPerSecond,
      3600 * kNsPerSecond,  7200 * kNsPerSecond,  10800 * kNsPerSecond,
      21600 * kNsPerSecond, 43200 * kNsPerSecond, kNsPerDay};
  // Aligning the first row down adds at most one row to span / step + 1.
  const std::uint64_t budget = kMaxTimelineRows - 2;
  for (const std::int64_t step : kSteps)
    if (span_ns / static_cast<std::uint64_t>(step) <= budget) return step;
  const std::uint64_t days = span_ns / kNsPerDay / budget + 1;
  return static_cast<std::int64_t>(days) * kNsPerDay;
}

std::string format_span(std::uint64_t span_ns) {
  if (span_ns < kNsPerSecond) return std::to_string(span_ns / kNsPerMs) + "ms";
  std::uint64_t seconds = span_ns / kNsPerSecond;
  std::string text;
  for (const auto& [unit, size] :
       {std::pair<const char*, std::uint64_t>{"d", 86'400}, {"h", 3'600}, {"m", 60}, {"s", 1}}) {
    if (seconds >= size) text += std::to_string(seconds / size) + unit;
    seconds %= size;
  }
  return text;
}

void DumpSummary::add(const nlohmann::json& event, std::int64_t time_ns) {
  times_.push_back(time_ns);
  std::string error = string_field(event, "error");
  ++endpoints_[{string_field(event, "event"), error.empty() ? "-" : std::move(error), endpoint_of(event)}];
  for (auto& key : owner_keys(event)) ++owners_[std::move(key)];
  if (const nlohmann::json* diagnosis = object_field(event, "diagnosis")) {
    if (std::string code = string_field(*diagnosis, "code"); !code.empty()) ++diagnoses_[std::move(code)];
    if (diagnosis->value("restart_loop", nlohmann::json()) == true) ++restart_loops_;
  }
  if (string_field(event, "source") == "recorder") ++from_recorder_;
}

std::string DumpSummary::render(const DumpSources& sources) const {
  std::string out = "bindtrace dump (times in UTC)\n";
  append_field(out, "read", describe_sources(sources));
  for (const LogFileStats& f : sources.logs.files)
    append_field(out, &f == &sources.logs.files.front() ? "files" : "",
                 escape_for_terminal(f.path) + "  " + file_details(f));
  if (!sources.logs.other_kinds.empty()) {
    std::string kinds;
    for (const auto& [kind, n] : sources.logs.other_kinds)
      kinds += (kinds.empty() ? "" : ", ") + escape_for_terminal(kind) + " " + std::to_string(n);
    append_field(out, "other", kinds);
  }
  if (times_.empty()) {
    append_field(out, "events", "none in the selection");
    return out;
  }
  const auto [first, last] = std::minmax_element(times_.begin(), times_.end());
  append_field(out, "events",
               std::to_string(times_.size()) + " from " + bucket_label(*first, kNsPerSecond) + " to " +
                   bucket_label(*last, kNsPerSecond) + " (" + format_span(distance(*first, *last)) + ")" +
                   parenthesized({if_nonzero(
                       from_recorder_, std::to_string(from_recorder_) + " only in the flight recorder")}));

  out += "\nTop endpoints\n" + pad_left("count", 8) + "  " + pad_right("event", 14) + " " +
         pad_right("error", 14) + " endpoint\n";
  for (const auto& [key, n] : top_rows(endpoints_)) {
    const auto& [event, error, endpoint] = key;
    out += count_column(n) + "  " + pad_right(escape_for_terminal(event), 14) + " " +
           pad_right(escape_for_terminal(error), 14) + " " + escape_for_terminal(endpoint) + "\n";
  }
  out += more_rows(endpoints_);

  if (!owners_.empty()) {
    out += "\nTop owners\n" + pad_left("count", 8) + "  " + pad_right("owner", 30) + " service\n";
    for (const auto& [key, n] : top_rows(owners_)) {
      const auto& [holder, service] = key;
      out += count_column(n) + "  " + pad_right(escape_for_terminal(holder), 30) + " " +
             (service.empty() ? "-" : escape_for_terminal(service)) + "\n";
    }
    out += more_rows(owners_);
  }

  if (!diagnoses_.empty() || restart_loops_ > 0) {
    out += "\nDiagnoses\n";
    for (const auto& [code, n] : top_rows(diagnoses_))
      out += count_column(n) + "  " + escape_for_terminal(code) + "\n";
    out += more_rows(diagnoses_);
    if (restart_loops_ > 0) out += count_column(restart_loops_) + "  (restart loop flagged)\n";
  }
  return out + render_timeline();
}

std::string DumpSummary::render_timeline() const {
  const auto [first, last] = std::minmax_element(times_.begin(), times_.end());
  const std::int64_t step = timeline_bucket_ns(distance(*first, *last));
  const std::int64_t start = floor_to(*first, step);
  const auto row_of = [&](std::int64_t t) { return static_cast<std::size_t>(distance(start, t) / step); };
  std::vector<std::uint64_t> rows(row_of(*last) + 1, 0);
  for (const std::int64_t t : times_) ++rows[row_of(t)];
  const std::uint64_t max = *std::max_element(rows.begin(), rows.end());

  std::string out = "\nTimeline (" + format_span(static_cast<std::uint64_t>(step)) + " per row)\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::size_t bar =
        rows[i] == 0 ? 0 : static_cast<std::size_t>((rows[i] * kBarWidth + max - 1) / max);
    // In range (it is at most the last time), but i * step alone may not be: add modulo 2^64.
    const auto row_start =
        static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + i * static_cast<std::uint64_t>(step));
    out += "  " + bucket_label(row_start, step) + "  " + pad_right(std::string(bar, '#'), kBarWidth) + " " +
           std::to_string(rows[i]) + "\n";
  }
  return out;
}

}  // namespace bindtrace
