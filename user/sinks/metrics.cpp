// Prometheus registry of `bindtrace agent` and its text exposition (format
// 0.0.4). Label values come from traced processes: they are made valid UTF-8
// and escaped, and the number of failure series is capped.
#include "bindtrace/sinks/metrics.hpp"

#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

constexpr std::string_view kOverflow = "other";

// The exposition format escapes exactly these three in label values; the
// text is already valid UTF-8 (made so where it entered the registry).
std::string label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string error_label(int err) {
  if (err == 0) return "none";
  const std::string_view name = errno_name(err);
  return name.empty() ? std::to_string(err) : std::string(name);
}

std::string_view first_word(std::string_view text) {
  const std::size_t end = text.find_first_of(": \t");
  return end == std::string_view::npos ? text : text.substr(0, end);
}

// Appends families to the exposition, one HELP/TYPE header per family.
class Exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  // labels: name="escaped value" pairs, already joined by commas.
  void sample(std::string_view name, std::string_view labels, std::uint64_t value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    out_ += std::to_string(value);
    out_ += '\n';
  }

  void counter(std::string_view name, std::string_view help, std::uint64_t value) {
    family(name, "counter", help);
    sample(name, {}, value);
  }

  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(std::string_view name, std::string_view value) {
  return std::string(name) + "=\"" + label_value(value) + "\"";
}

}  // namespace

Metrics::Metrics(unsigned max_series) : max_series_(max_series) {}

void Metrics::count_event(const Event& event) {
  count_failures(FailureLabels{std::string(event_name(event)), error_label(event.err),
                               event.endpoint.has_port() ? std::to_string(event.endpoint.port) : std::string(),
                               event.process.service ? to_valid_utf8(event.process.service->name) : std::string()},
                 1);
}

void Metrics::count_aggregate(const EventAggregate& aggregate) {
  const bool has_port = aggregate.family == Family::ipv4 || aggregate.family == Family::ipv6;
  count_failures(FailureLabels{std::string(aggregate_event_name(aggregate)), error_label(aggregate.err),
                               has_port ? std::to_string(aggregate.port) : std::string(), std::string()},
                 aggregate.count);
}

void Metrics::count_failures(FailureLabels key, std::uint64_t count) {
  std::lock_guard lock(mutex_);
  if (auto it = failures_.find(key); it != failures_.end()) {
    it->second += count;
    return;
  }
  if (failures_.size() - overflow_series_ < max_series_) {
    failures_.emplace(std::move(key), count);
    return;
  }
  series_dropped_ += count;
  std::get<2>(key) = kOverflow;
  std::get<3>(key) = kOverflow;
  auto [it, inserted] = failures_.try_emplace(std::move(key), 0);
  if (inserted) ++overflow_series_;
  it->second += count;
}

void Metrics::count_action(std::string_view kind, std::string_view result) {
  ActionLabels key{to_valid_utf8(kind), to_valid_utf8(first_word(result))};
  std::lock_guard lock(mutex_);
  ++actions_[std::move(key)];
}

void Metrics::set_gauges(const MetricsGauges& gauges) {
  std::lock_guard lock(mutex_);
  gauges_ = gauges;
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  const MetricsGauges& g = gauges_;
  Exposition x;

  x.family("bindtrace_up", "gauge", "1 while the agent is running.");
  x.sample("bindtrace_up", {}, 1);
  x.family("bindtrace_build_info", "gauge", "Version of bindtrace and the attached hook tier.");
  x.sample("bindtrace_build_info",
           label("version", BINDTRACE_VERSION) + "," + label("tier", to_valid_utf8(g.tier)), 1);

  x.family("bindtrace_failures_total", "counter",
           "Failed bind/listen/connect calls by event, errno name, port and the failing process's service.");
  for (const auto& [labels, value] : failures_) {
    const auto& [event, error, port, service] = labels;
    x.sample("bindtrace_failures_total",
             label("event", event) + "," + label("error", error) + "," + label("port", port) + "," +
                 label("service", service),
             value);
  }
  x.counter("bindtrace_metrics_series_dropped_total",
            "Failures counted under port=\"other\",service=\"other\" because the series cap was reached.",
            series_dropped_);

  x.counter("bindtrace_kernel_events_seen_total", "Calls the kernel programs saw.", g.kernel.seen);
  x.counter("bindtrace_kernel_events_filtered_total", "Calls the kernel filters discarded.",
            g.kernel.filtered);
  x.counter("bindtrace_kernel_events_emitted_total", "Events written to the ring buffer.", g.kernel.emitted);
  x.counter("bindtrace_kernel_events_aggregated_total",
            "Events counted per endpoint in the kernel instead of sent one by one (failure storm).",
            g.kernel.aggregated);
  x.counter("bindtrace_drops_total", "Events lost: the kernel ring buffer and the aggregate map were both full.",
            g.kernel.dropped);
  x.counter("bindtrace_owner_lookup_failures_total", "Owner lookups that failed.", g.owner_lookup_failures);
  x.counter("bindtrace_owner_lookups_skipped_total",
            "Owner lookups skipped because the lookup queue was full.", g.owner_skipped);
  x.counter("bindtrace_decode_errors_total", "Ring buffer records that could not be decoded.",
            g.decode_errors);
  x.counter("bindtrace_log_records_total", "Records written to the event log.", g.log_records);
  x.counter("bindtrace_log_write_errors_total", "Event log writes that failed.", g.log_write_errors);
  x.counter("bindtrace_log_rotations_total", "Event log rotations.", g.log_rotations);
  x.counter("bindtrace_journald_write_errors_total", "Journal entries that could not be sent.",
            g.journald_errors);
  x.counter("bindtrace_recorder_drained_total", "Events drained from the kernel flight recorder.",
            g.recorder_drained);
  x.counter("bindtrace_recorder_overwritten_total",
            "Flight recorder events overwritten before they were drained.", g.recorder_overwritten);

  x.family("bindtrace_hooks_total", "counter", "Hook runs by result (run, skipped, failed).");
  x.sample("bindtrace_hooks_total", label("result", "run"), g.hooks_run);
  x.sample("bindtrace_hooks_total", label("result", "skipped"), g.hooks_skipped);
  x.sample("bindtrace_hooks_total", label("result", "failed"), g.hooks_failed);

  x.family("bindtrace_actions_total", "counter", "Actions on owners by kind and result.");
  for (const auto& [labels, value] : actions_) {
    const auto& [kind, result] = labels;
    x.sample("bindtrace_actions_total", label("kind", kind) + "," + label("result", result), value);
  }
  return x.take();
}

}  // namespace bindtrace
