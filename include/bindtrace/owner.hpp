// Who blocks an endpoint (docs/architecture.md): the kind, the sockets that
// actually conflict, and the processes holding them. Plain data; resolved by
// OwnerResolver (owner/resolver.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

enum class OwnerKind : std::uint8_t { process, time_wait, forwarder, socket_activation, gone, unknown };

// Which path answered: the kernel's listener index, BPF iterators, or the
// sock_diag + /proc fallback.
enum class OwnerSource : std::uint8_t { none, index, iterators, sock_diag };

struct Owner {
  OwnerKind kind = OwnerKind::unknown;
  OwnerSource source = OwnerSource::none;
  std::string state;                 // of the conflicting socket(s): "LISTEN", "TIME_WAIT", "BOUND" ...
  std::vector<SocketEntry> sockets;  // the sockets that conflict with the request
  std::vector<Holder> holders;       // processes holding them (several when shared)
  std::uint32_t time_wait_count = 0;
  std::int64_t expires_ms = -1;      // soonest TIME_WAIT expiry
  std::string reason;                // gone / unknown: why; otherwise notes on a partial view
};

[[nodiscard]] std::string_view owner_kind_name(OwnerKind kind) noexcept;
[[nodiscard]] std::string_view owner_source_name(OwnerSource source) noexcept;

}  // namespace bindtrace
