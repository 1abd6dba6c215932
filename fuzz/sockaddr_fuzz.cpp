// decode_sockaddr on captured sockaddr bytes with a caller-claimed length.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "bindtrace/events/endpoint.hpp"
#include "bindtrace/events/escape.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint32_t len = 0;
  if (size >= sizeof(len)) {
    std::memcpy(&len, data, sizeof(len));
    data += sizeof(len);
    size -= sizeof(len);
  }
  const bindtrace::Endpoint endpoint = bindtrace::decode_sockaddr(std::span<const std::uint8_t>(data, size), len);
  const std::string shown = bindtrace::escape_for_terminal(bindtrace::to_string(endpoint));
  FUZZ_CHECK(bindtrace::fuzz::terminal_safe(shown, false));
  (void)bindtrace::family_name(endpoint.family);
  return 0;
}
