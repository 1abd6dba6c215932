// Kernel socket records -> SocketEntry fields (see kernel_records.hpp).
#include "bindtrace/owner/kernel_records.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "bindtrace/abi.h"

namespace bindtrace {

std::string kernel_address_text(int family, const std::uint8_t (&addr)[16], bool* v4_mapped) {
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET6) {
    in6_addr a6;
    std::memcpy(&a6, addr, sizeof(a6));
    const bool mapped = IN6_IS_ADDR_V4MAPPED(&a6);
    if (v4_mapped) *v4_mapped = mapped;
    if (mapped) return ::inet_ntop(AF_INET, addr + 12, text, sizeof(text)) ? text : "";
    return ::inet_ntop(AF_INET6, &a6, text, sizeof(text)) ? text : "";
  }
  return ::inet_ntop(AF_INET, addr, text, sizeof(text)) ? text : "";
}

void apply_sock_flags(SocketEntry& e, std::uint8_t flags) {
  e.options_known = (flags & BT_SOCK_KNOWN) != 0;
  e.reuseaddr = (flags & BT_SOCK_REUSEADDR) != 0;
  e.reuseport = (flags & BT_SOCK_REUSEPORT) != 0;
  e.v6only = (flags & BT_SOCK_V6ONLY) != 0;
}

}  // namespace bindtrace
