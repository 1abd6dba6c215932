// `dump` merges the event log with the kernel flight recorder: while the agent
// ran, both hold the same events, so each event is kept once (the log's copy,
// which has the owner and diagnosis), plus the recorder's events the log never
// got (the agent was down). Then --since/--until/--port select.
#pragma once

#include <bitset>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace bindtrace {

struct DumpSelection {
  std::optional<std::int64_t> since_ns;  // inclusive
  std::optional<std::int64_t> until_ns;  // inclusive
  std::bitset<65536> ports;              // none set: every port; else records without a port are left out

  [[nodiscard]] bool matches(const nlohmann::json& record, std::int64_t time_ns) const;
};

// A record as `dump` prints it: one JSON line, and the parsed record.
struct DumpRecord {
  std::int64_t time_ns = 0;
  std::string line;
  nlohmann::json record;
};

// Two records are the same event when both carry "seq" and agree on seq, pid,
// tid and event; otherwise when they agree on time, pid, tid and event. (The
// seq counter starts again when the recorder is pinned anew, so seq alone
// could join two events.)
class EventIdentityIndex {
 public:
  // The id given to insert() for the same event, if any.
  [[nodiscard]] std::optional<std::size_t> find(const nlohmann::json& record, std::int64_t time_ns) const;
  void insert(const nlohmann::json& record, std::int64_t time_ns, std::size_t id);

 private:
  using SeqKey =
      std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::string>;  // seq, pid, tid, event
  using TimeKey =
      std::tuple<std::int64_t, std::uint64_t, std::uint64_t, std::string>;  // time, pid, tid, event
  std::map<SeqKey, std::size_t> by_seq_;
  std::map<TimeKey, std::size_t> by_time_with_seq_;
  std::map<TimeKey, std::size_t> by_time_without_seq_;
};

class DumpMerge {
 public:
  explicit DumpMerge(DumpSelection selection) : selection_(std::move(selection)) {}

  // Every recorder event, before the first log record.
  void add_recorder(DumpRecord record);
  // True when the log record is selected: it matches the selection and is
  // not a repeat of a log record selected before.
  [[nodiscard]] bool add_log(const nlohmann::json& record, std::int64_t time_ns);
  // After the last log record: the recorder's events no log record had, that
  // the selection keeps, oldest first.
  [[nodiscard]] std::vector<DumpRecord> take_recorder_only();

  [[nodiscard]] std::uint64_t recorder_not_in_log() const;  // of every recorder event, selected or not
  [[nodiscard]] std::uint64_t repeated_log_records() const noexcept { return repeated_; }

 private:
  DumpSelection selection_;
  std::vector<DumpRecord> recorder_;
  std::vector<bool> recorder_in_log_;
  EventIdentityIndex recorder_index_;
  EventIdentityIndex selected_log_index_;
  std::uint64_t repeated_ = 0;
};

}  // namespace bindtrace
