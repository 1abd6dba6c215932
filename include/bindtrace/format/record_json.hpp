// The log's records other than events ("record" in docs/events.md), each as
// one JSON line ending in '\n': storm counts, hook results and the agent's
// own story. Value -> text only; the sinks do the writing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

struct HookResult;

// {"record":"agent"}: what the agent did (start, reattach, reload) and when.
struct AgentRecord {
  std::string_view action;    // start, reattach, reload
  std::string_view tier;      // the tier attached; empty: left out
  std::string_view recorder;  // new, adopted, off; empty: left out
  std::string_view config;    // where the configuration came from
  std::int64_t time_ns = 0;   // realtime
};

// time, record, event, errno, error, family, port, netns, process (pid,
// comm), count, first, last.
[[nodiscard]] std::string aggregate_to_json_line(const EventAggregate& aggregate);

// record, command, event_seq, event_time, exit_code | signal, timed_out,
// elapsed_ms, output, output_truncated[, error].
[[nodiscard]] std::string hook_result_to_json_line(const HookResult& result);

// record, action, tier, recorder, config, time.
[[nodiscard]] std::string agent_record_to_json_line(const AgentRecord& record);

}  // namespace bindtrace
