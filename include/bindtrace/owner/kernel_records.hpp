// Turning the kernel's raw socket facts (abi.h records: 16-byte addresses,
// BT_SOCK_* flag bits) into SocketEntry fields. Shared by the iterator reader
// and the listener-index path so both read the kernel the same way.
#pragma once

#include <cstdint>
#include <string>

#include "bindtrace/sockets.hpp"

namespace bindtrace {

// IPv4 in the first 4 bytes, or IPv6; a v4-mapped IPv6 address is shown as
// IPv4 and reported through *v4_mapped (when given).
[[nodiscard]] std::string kernel_address_text(int family, const std::uint8_t (&addr)[16], bool* v4_mapped);

// BT_SOCK_KNOWN / REUSEADDR / REUSEPORT / V6ONLY into the entry's option fields.
void apply_sock_flags(SocketEntry& entry, std::uint8_t flags);

}  // namespace bindtrace
