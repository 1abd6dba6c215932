// The kernel flight recorder: bpf/capture.bpf.c keeps the last N events in a
// BPF array map (a ring of slots, indexed by a sequence counter) beside the
// ring buffer. The agent pins it (and its links) under the pin directory, so
// failures are still recorded while the agent restarts or after it died;
// `agent` drains it on start and `dump` reads it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

inline constexpr const char* kDefaultPinDir = "/sys/fs/bpf/bindtrace";

// Names of the pinned objects inside the pin directory.
namespace pin_names {
inline constexpr const char* recorder = "recorder";        // BPF_MAP_TYPE_ARRAY of struct bt_event
inline constexpr const char* recorder_meta = "recorder_meta";  // struct bt_recorder_meta (head, slots, abi)
inline constexpr const char* events = "events";            // the ring buffer
inline constexpr const char* counters = "counters";        // per-CPU struct bt_counters
inline constexpr const char* listeners = "listeners";      // the listener index
inline constexpr const char* rodata = "rodata";            // the filters the programs were loaded with
inline constexpr const char* aggregates = "aggregates";    // storm counts (struct bt_aggregate_key -> bt_aggregate)
inline constexpr const char* link_prefix = "link_";        // link_<program name>
}  // namespace pin_names

struct RecorderReadStats {
  bool present = false;          // a recorder is pinned there
  std::uint64_t head = 0;        // events ever recorded (the next sequence number - 1)
  std::uint32_t slots = 0;       // capacity
  std::uint64_t read = 0;        // events returned
  std::uint64_t overwritten = 0; // events after `after_seq` that the ring already overwrote
  std::uint64_t undecodable = 0; // slots that did not decode (torn or empty)
  std::string error;             // why it could not be read (absent, not permitted, ABI mismatch)
};

// Events with seq > after_seq, oldest first, decoded and marked from_recorder.
// Never throws: problems go to stats.error.
[[nodiscard]] std::vector<Event> read_flight_recorder(const std::string& pin_dir, std::uint64_t after_seq,
                                                      RecorderReadStats& stats);

// Detaches and removes everything the agent pinned under pin_dir (the
// `bindtrace unpin` command). Returns the number of objects removed; throws
// RuntimeError naming the path that could not be removed.
std::size_t remove_pins(const std::string& pin_dir);

}  // namespace bindtrace
