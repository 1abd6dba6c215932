// parse_inet_diag_msg on one netlink payload (inet_diag_msg + attributes).
#include <cstddef>
#include <cstdint>
#include <span>

#include "bindtrace/owner/sock_diag.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto proto = data[0] & 1 ? bindtrace::Proto::udp : bindtrace::Proto::tcp;
  (void)bindtrace::parse_inet_diag_msg(std::span<const std::uint8_t>(data + 1, size - 1), proto);
  return 0;
}
