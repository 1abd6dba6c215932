// Reading /proc files until EOF (see proc_file.hpp).
#include "bindtrace/proc/proc_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

std::optional<std::string> read_proc_file(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string content;
  char buffer[4096];
  while (content.size() < max_bytes) {
    const ssize_t n = ::read(fd.get(), buffer, std::min(sizeof(buffer), max_bytes - content.size()));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
}

std::optional<std::string> read_proc_link(const std::string& path) {
  char target[4096];
  const ssize_t n = ::readlink(path.c_str(), target, sizeof(target));
  if (n <= 0) return std::nullopt;
  return std::string(target, static_cast<std::size_t>(n));
}

std::string proc_path(const std::string& root, std::uint32_t pid, std::string_view name) {
  std::string path = root;
  path += '/';
  path += std::to_string(pid);
  path += '/';
  path += name;
  return path;
}

}  // namespace bindtrace
