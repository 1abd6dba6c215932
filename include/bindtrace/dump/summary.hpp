// The text report of `dump`: what was read, the endpoints and owners that
// failed most, the diagnoses, and a timeline. Built from the selected event
// records (docs/events.md); every string from a record is escaped for the
// terminal. No I/O: the caller prints the result.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "bindtrace/dump/log_reader.hpp"
#include "bindtrace/capture/recorder.hpp"

namespace bindtrace {

// What `dump` read and kept, for the stderr line and the report's header.
struct DumpSources {
  LogReadStats logs;
  bool recorder_wanted = true;  // false with --no-recorder
  RecorderReadStats recorder;
  std::uint64_t recorder_not_in_log = 0;   // recorder events no log record had
  std::uint64_t repeated_log_records = 0;  // log records dropped as repeats of another
};

// "3 files, 1204 records (1 torn tail skipped), recorder: 512 events (40 not in the log)"
[[nodiscard]] std::string describe_sources(const DumpSources& sources);

// A round bucket width (1ms, 2ms, 5ms, ... 1s, 5s, 1m, 5m, 1h, 1d, whole days)
// that puts span_ns in at most 40 aligned rows.
[[nodiscard]] std::int64_t timeline_bucket_ns(std::uint64_t span_ns);

// "2h12m40s", "1d3h", "250ms", "0s".
[[nodiscard]] std::string format_span(std::uint64_t span_ns);

class DumpSummary {
 public:
  void add(const nlohmann::json& event, std::int64_t time_ns);
  [[nodiscard]] std::string render(const DumpSources& sources) const;

 private:
  using EndpointKey = std::tuple<std::string, std::string, std::string>;  // event, error, endpoint
  using OwnerKey = std::tuple<std::string, std::string>;                  // holder, service

  [[nodiscard]] std::string render_timeline() const;

  std::vector<std::int64_t> times_;
  std::map<EndpointKey, std::uint64_t> endpoints_;
  std::map<OwnerKey, std::uint64_t> owners_;
  std::map<std::string, std::uint64_t> diagnoses_;
  std::uint64_t restart_loops_ = 0;
  std::uint64_t from_recorder_ = 0;
};

}  // namespace bindtrace
