// Fallback socket listing through NETLINK_SOCK_DIAG (inet_diag), the way `ss`
// does it, for kernels or privileges where BPF iterators are refused. Works
// in the calling thread's network namespace.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

// Lists IPv4 and IPv6 sockets matching the query (TCP: every state incl.
// TIME_WAIT with its expiry; UDP: bound sockets). Throws RuntimeError when
// the netlink socket cannot be used.
[[nodiscard]] std::vector<SocketEntry> sock_diag_list(const SocketQuery& query);

// Parses one inet_diag_msg netlink payload (with its attributes) into an entry;
// nullopt when malformed. Pure, for tests and fuzzing.
[[nodiscard]] std::optional<SocketEntry> parse_inet_diag_msg(std::span<const std::uint8_t> payload, Proto proto);

}  // namespace bindtrace
