// `bindtrace dump`: the post-mortem. Reads the agent's rotated event logs and
// the kernel flight recorder, keeps each event once, selects by
// --since/--until/--port, and prints JSON lines (--json) or a summary.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "bindtrace/dump/log_reader.hpp"
#include "bindtrace/dump/merge.hpp"
#include "bindtrace/dump/summary.hpp"
#include "bindtrace/dump/time_spec.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/capture/recorder.hpp"
#include "bindtrace/format/event_json.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

std::int64_t realtime_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

DumpSelection selection_of(const CliRequest& req) {
  const std::int64_t now = realtime_now_ns();
  DumpSelection selection;
  if (!req.dump.since.empty()) selection.since_ns = parse_time_spec("--since", req.dump.since, now);
  if (!req.dump.until.empty()) selection.until_ns = parse_time_spec("--until", req.dump.until, now);
  if (selection.since_ns && selection.until_ns && *selection.until_ns < *selection.since_ns) {
    throw UsageError("--until: '" + escape_for_terminal(req.dump.until) + "' is before --since '" +
                     escape_for_terminal(req.dump.since) + "'");
  }
  selection.ports = req.trace.capture.filter.ports;
  return selection;
}

// A log line printed as stored. JSON keeps raw tabs and CRs only between
// tokens, where a space means the same and cannot move a terminal's cursor.
std::string printable_line(std::string_view line) {
  std::string text(line);
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\t' || c == '\r'; }, ' ');
  return text;
}

bool recorder_pinned(const std::string& pin_dir) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(pin_dir) / pin_names::recorder_meta, ec) || ec;
}

}  // namespace

int run_dump(const CliRequest& req) {
  DumpMerge merge(selection_of(req));
  DumpSources sources;
  sources.recorder_wanted = req.dump.recorder;
  if (req.dump.recorder) {
    for (const Event& event : read_flight_recorder(req.pin_dir, 0, sources.recorder)) {
      std::string line = event_to_json_line(event);
      line.pop_back();  // the '\n': printed lines are joined later
      nlohmann::json record = nlohmann::json::parse(line);
      merge.add_recorder(DumpRecord{event.realtime_ns, std::move(line), std::move(record)});
    }
  }

  std::vector<DumpRecord> lines;  // --json: printed sorted by time
  DumpSummary summary;            // text
  sources.logs = read_event_logs(req.dump.log_path, [&](const LogRecordView& view) {
    if (!merge.add_log(view.record, view.time_ns)) return;
    if (req.json)
      lines.push_back(DumpRecord{view.time_ns, printable_line(view.line), {}});
    else
      summary.add(view.record, view.time_ns);
  });
  for (const std::string& problem : sources.logs.problems)
    std::fprintf(stderr, "dump: %s\n", escape_for_terminal(problem).c_str());
  const bool recorder_read = sources.recorder.present && sources.recorder.error.empty();
  if (sources.logs.files_read() == 0 && !recorder_read) {
    std::string message = "no event log at " + escape_for_terminal(req.dump.log_path);
    if (req.dump.recorder) {
      message += " and no flight recorder at " + escape_for_terminal(req.pin_dir);
      // Absent says it all; pinned but unreadable needs the reason.
      if (recorder_pinned(req.pin_dir) && !sources.recorder.error.empty())
        message += " (" + escape_for_terminal(sources.recorder.error) + ")";
    } else {
      message += " (the flight recorder was not read: --no-recorder)";
    }
    throw RuntimeError(message);
  }

  for (DumpRecord& record : merge.take_recorder_only()) {
    if (req.json)
      lines.push_back(std::move(record));
    else
      summary.add(record.record, record.time_ns);
  }
  sources.recorder_not_in_log = merge.recorder_not_in_log();
  sources.repeated_log_records = merge.repeated_log_records();
  std::fprintf(stderr, "dump: %s\n", describe_sources(sources).c_str());

  if (req.json) {
    std::stable_sort(lines.begin(), lines.end(),
                     [](const DumpRecord& a, const DumpRecord& b) { return a.time_ns < b.time_ns; });
    for (const DumpRecord& record : lines) {
      std::fwrite(record.line.data(), 1, record.line.size(), stdout);
      std::fputc('\n', stdout);
    }
  } else {
    const std::string text = summary.render(sources);
    std::fwrite(text.data(), 1, text.size(), stdout);
  }
  if (std::fflush(stdout) != 0) throw RuntimeError("dump: cannot write the output");
  return 0;
}

}  // namespace bindtrace
