// Raw ring-buffer records (struct bt_event) decoded into Event, the value
// every later stage (owner, attribute, diagnose, sinks) works on.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bindtrace/abi.h"
#include "bindtrace/attribute.hpp"
#include "bindtrace/events/endpoint.hpp"
#include "bindtrace/events/kinds.hpp"
#include "bindtrace/diagnose/diagnosis.hpp"
#include "bindtrace/owner.hpp"

namespace bindtrace {


struct SocketFacts {
  bool known = false;  // the kernel found the socket; the fields below are valid
  bool reuseaddr = false;
  bool reuseport = false;
  bool v6only = false;
  int family = 0;
  int type = 0;
  int protocol = 0;
  std::uint64_t cookie = 0;
};

struct ProcessInfo {
  std::uint32_t pid = 0;
  std::uint32_t tid = 0;
  std::uint32_t ppid = 0;
  std::uint32_t uid = 0;
  std::string comm;     // raw bytes from the kernel; escape before printing
  std::string cmdline;  // from the kernel's snapshot, or /proc when that was truncated
  bool cmdline_truncated = false;  // the kernel snapshot was cut and /proc could not complete it
  std::string cgroup;   // cgroup v2 path, filled by enrichment
  std::uint64_t cgroup_id = 0;
  std::optional<Service> service;  // the manager that started it (attribution)
  std::string exe;                 // /proc/PID/exe target, when it was still alive
  std::string cwd;                 // /proc/PID/cwd target
};

// What an action (issue "Actions") did about this event: "action" in JSON.
struct ActionRecord {
  std::string kind;    // "stop-owner", "stop-unit"
  std::string target;  // "pid 991 (python3)", "supervisor backend:backend"
  std::string result;  // "stopped", "killed", "still-running", "refused: ...", "dry-run: ...", "rate-limited", "failed: ..."
  std::string signal;  // "SIGTERM", "SIGKILL", "" when none was sent
  std::uint64_t elapsed_ms = 0;
  bool port_free_after = false;  // verified by a trial bind after the action
};

struct Event {
  // Kernel sequence number (the flight recorder's slot counter); 0 when unknown.
  std::uint64_t seq = 0;
  // "live" (ring buffer), "recorder" (drained from the kernel flight recorder
  // after the fact: owner resolution is best effort and says so).
  bool from_recorder = false;
  // The raw argument snapshot (NUL-separated) and its full length in the process.
  std::string args_snapshot;
  std::uint32_t args_len = 0;

  std::uint64_t boot_ns = 0;
  std::int64_t realtime_ns = 0;
  Op op = Op::bind;
  Tier tier = Tier::tracepoint;
  int err = 0;  // positive errno; 0 = successful bind (--all)
  Proto proto = Proto::other;
  Endpoint endpoint;  // what the caller asked for
  std::uint32_t netns = 0;
  SocketFacts socket;
  ProcessInfo process;
  std::optional<Owner> owner;  // who blocks it; absent when not applicable or not resolved
  std::optional<Diagnosis> diagnosis;
  std::vector<std::uint16_t> alternatives;  // nearest free ports, checked against the kernel
  std::optional<ActionRecord> action;       // what --act did (or would do with --dry-run)
};

// Events the kernel counted instead of sending one by one, during a storm
// (struct bt_aggregate): same endpoint, error and process.
struct EventAggregate {
  Op op = Op::bind;
  int err = 0;
  Family family = Family::other;
  std::uint16_t port = 0;  // 0 for unix sockets and listen
  std::uint32_t netns = 0;
  std::uint32_t pid = 0;
  std::string comm;        // raw bytes; escape before printing
  std::uint64_t count = 0;
  std::int64_t first_realtime_ns = 0;
  std::int64_t last_realtime_ns = 0;
};

// Why a record could not be decoded; counted by the caller, never silent.
enum class DecodeError : std::uint8_t { short_record, bad_op, bad_tier };

struct DecodeResult {
  std::optional<Event> event;
  DecodeError error{};
};

// Decodes one record. realtime_offset_ns = CLOCK_REALTIME - CLOCK_BOOTTIME.
[[nodiscard]] DecodeResult decode_event(std::span<const std::uint8_t> record,
                                        std::int64_t realtime_offset_ns) noexcept;

// A kernel aggregate entry as an EventAggregate.
[[nodiscard]] EventAggregate decode_aggregate(const bt_aggregate_key& key, const bt_aggregate& value,
                                              std::int64_t realtime_offset_ns) noexcept;
// "bind_failed", ... for an aggregate (same names as event_name).
[[nodiscard]] std::string_view aggregate_event_name(const EventAggregate& aggregate) noexcept;

// "bind_failed", "listen_failed", "connect_failed"; "bind" for a successful bind.
[[nodiscard]] std::string_view event_name(const Event& event) noexcept;
// A bind/listen that failed with EADDRINUSE on a port: something holds that
// endpoint, so it has an owner to find (a connect's EADDRINUSE is about its
// local ephemeral port, not the peer).
[[nodiscard]] bool has_blocking_owner(const Event& event) noexcept;
[[nodiscard]] std::string_view op_name(Op op) noexcept;
[[nodiscard]] std::string_view tier_name(Tier tier) noexcept;
[[nodiscard]] std::optional<Tier> parse_tier(std::string_view name) noexcept;
[[nodiscard]] std::string_view proto_name(Proto proto) noexcept;

}  // namespace bindtrace
