// parse_socket_link on a /proc/PID/fd/N link target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bindtrace/owner/proc_fd_scan.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view link(reinterpret_cast<const char*>(data), size);
  const auto inode = bindtrace::parse_socket_link(link);
  // Whatever it accepts is "socket:[digits]" naming that number (leading
  // zeros are accepted).
  if (inode) {
    FUZZ_CHECK(link.size() > 9 && link.substr(0, 8) == "socket:[" && link.back() == ']');
    const std::string_view digits = link.substr(8, link.size() - 9);
    FUZZ_CHECK(digits.find_first_not_of("0123456789") == std::string_view::npos);
    const auto first = digits.find_first_not_of('0');
    const std::string_view significant = first == std::string_view::npos ? std::string_view("0") : digits.substr(first);
    FUZZ_CHECK(significant == std::to_string(*inode));
  }
  return 0;
}
