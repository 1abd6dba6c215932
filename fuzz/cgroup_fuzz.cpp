// parse_cgroup_file and cgroup_path_of over the content of /proc/PID/cgroup.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bindtrace/attribute.hpp"
#include "bindtrace/proc/proc_text.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view content(reinterpret_cast<const char*>(data), size);
  (void)bindtrace::parse_cgroup_file(content);
  (void)bindtrace::cgroup_path_of(bindtrace::fuzz::split(content, '\n'));
  return 0;
}
