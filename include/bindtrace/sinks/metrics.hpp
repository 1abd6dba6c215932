// Prometheus metrics of `bindtrace agent`: failure counters by label set (with
// a cap on distinct series), action outcomes, and the agent's own totals,
// rendered in the text exposition format 0.0.4. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/events/events.hpp"

namespace bindtrace {

// Totals the agent copies in from its stats about once a second.
struct MetricsGauges {
  KernelCounters kernel;
  std::uint64_t owner_lookup_failures = 0, owner_skipped = 0, decode_errors = 0;
  std::uint64_t log_records = 0, log_write_errors = 0, log_rotations = 0;
  std::uint64_t recorder_drained = 0, recorder_overwritten = 0;
  std::uint64_t hooks_run = 0, hooks_skipped = 0, hooks_failed = 0;
  std::uint64_t journald_errors = 0;  // JournaldSink::errors()
  std::string tier;                   // attached tier name
};

class Metrics {
 public:
  // At most max_series distinct label sets of bindtrace_failures_total; later
  // sets are counted under port="other",service="other".
  explicit Metrics(unsigned max_series = 1000);

  // bindtrace_failures_total{event,error,port,service}. error is the errno
  // name ("none" for 0, the number when it has no name); port is "" for
  // endpoints without one (unix); service is "" when attribution found none.
  // Every label is always present, so all series share one label set.
  void count_event(const Event& event);
  // A storm count from the kernel: `count` failures at once, no service label.
  void count_aggregate(const EventAggregate& aggregate);
  // bindtrace_actions_total{kind,result}; result is its first word
  // ("refused: allow-list" -> "refused").
  void count_action(std::string_view kind, std::string_view result);
  void set_gauges(const MetricsGauges& gauges);

  [[nodiscard]] std::string render() const;

 private:
  // event, error, port, service: already valid UTF-8, not yet escaped.
  using FailureLabels = std::tuple<std::string, std::string, std::string, std::string>;
  using ActionLabels = std::tuple<std::string, std::string>;

  unsigned max_series_;
  mutable std::mutex mutex_;
  std::map<FailureLabels, std::uint64_t> failures_;
  void count_failures(FailureLabels key, std::uint64_t count);
  std::size_t overflow_series_ = 0;   // entries of failures_ with the "other" labels
  std::uint64_t series_dropped_ = 0;  // failures counted under "other"
  std::map<ActionLabels, std::uint64_t> actions_;
  MetricsGauges gauges_;
};

}  // namespace bindtrace
