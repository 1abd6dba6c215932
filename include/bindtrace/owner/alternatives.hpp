// The nearest free ports to a failed one, proven by a trial bind in the
// failing process's network namespace (never guessed): same proto, family and
// address, no SO_REUSEADDR, so TIME_WAIT-held ports do not count as free; the
// namespace's ephemeral range (ip_local_port_range) is skipped.
#pragma once

#include <cstdint>
#include <vector>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

struct PortRange {
  std::uint16_t first = 32768;
  std::uint16_t last = 60999;
};

// Parses the content of /proc/sys/net/ipv4/ip_local_port_range ("32768\t60999\n").
[[nodiscard]] std::optional<PortRange> parse_port_range(std::string_view content);

// Candidates in order: port+1, port-1, port+2, port-2, ... skipping the
// ephemeral range and, for unprivileged callers, ports below
// `unprivileged_start`. Pure; the trial binds happen in nearest_free_ports.
[[nodiscard]] std::vector<std::uint16_t> candidate_ports(std::uint16_t port, PortRange ephemeral,
                                                         std::uint32_t unprivileged_start, bool privileged,
                                                         std::size_t limit);

// Up to `count` free ports near the event's, for EADDRINUSE bind/listen
// failures on IPv4/IPv6; empty otherwise. Must run on a thread that may setns.
[[nodiscard]] std::vector<std::uint16_t> nearest_free_ports(const Event& event, std::size_t count = 2);

// True when a fresh socket like the failing one (no SO_REUSEADDR) can bind the
// event's own address and port now, in its namespace: the check after an
// action (actions/runner.hpp). Must run on a thread that may setns.
[[nodiscard]] bool endpoint_is_free(const Event& event);

}  // namespace bindtrace
