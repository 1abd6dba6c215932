// `trace`'s output (see trace_output.hpp).
#include "cli/trace_output.hpp"

#include <algorithm>
#include <vector>

#include "bindtrace/actions/hook.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/record_json.hpp"

namespace bindtrace {

void EndpointTally::add(const Event& e) {
  std::string endpoint = e.endpoint.family == Family::unix_ ? "unix" : std::string(proto_name(e.proto));
  endpoint += " " + escape_for_terminal(to_string(e.endpoint));
  ++counts_[{std::string(event_name(e)), e.err, endpoint}];
}

void EndpointTally::add_aggregate(const EventAggregate& a) {
  std::string endpoint = std::string(family_name(a.family));
  if (a.family == Family::ipv4 || a.family == Family::ipv6) endpoint += " port " + std::to_string(a.port);
  counts_[{std::string(aggregate_event_name(a)), a.err, endpoint}] += a.count;
}

void EndpointTally::print(std::FILE* out) const {
  if (counts_.empty()) return;
  std::vector<std::pair<Key, std::uint64_t>> rows(counts_.begin(), counts_.end());
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::fprintf(out, "\n%8s  %-14s %-14s %s\n", "count", "event", "error", "endpoint");
  for (const auto& [key, count] : rows) {
    const auto& [event, err, endpoint] = key;
    const std::string_view name = errno_name(err);
    std::fprintf(out, "%8llu  %-14s %-14s %s\n", static_cast<unsigned long long>(count), event.c_str(),
                 err == 0 ? "-" : std::string(name.empty() ? "errno " + std::to_string(err) : name).c_str(),
                 endpoint.c_str());
  }
}

TraceOutput::TraceOutput(bool json, bool colour, std::function<void()> on_closed)
    : json_(json), on_closed_(std::move(on_closed)) {
  if (json) events_ = std::make_unique<JsonLinesSink>(stdout);
  else events_ = std::make_unique<TextSink>(stdout, colour);
}

bool TraceOutput::check_open() {
  if (!closed_ && std::ferror(stdout)) {
    closed_ = true;
    if (on_closed_) on_closed_();
  }
  return !closed_;
}

void TraceOutput::write(const Event& event) {
  if (closed_) return;
  events_->write(event);
  if (check_open()) tally_.add(event);
}

void TraceOutput::write_aggregate(const EventAggregate& aggregate) {
  if (closed_) return;
  const std::string line = json_ ? aggregate_to_json_line(aggregate) : aggregate_to_text(aggregate);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
  if (check_open()) tally_.add_aggregate(aggregate);
}

void TraceOutput::write_hook(const HookResult& result) {
  std::fprintf(stderr, "bindtrace: %s\n", hook_result_to_text(result).c_str());
}

void TraceOutput::flush() {
  if (closed_) return;
  events_->flush();
  check_open();
}

}  // namespace bindtrace
