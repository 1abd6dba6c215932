// Reading /proc files: they report size 0, so they are read until EOF, with
// a cap. Shared by every /proc reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bindtrace {

inline constexpr std::size_t kProcSmallFileMax = 64 << 10;
inline constexpr std::size_t kProcLargeFileMax = 1 << 20;  // cmdline, environ

// At most max_bytes of the file; nullopt when it cannot be opened or read.
[[nodiscard]] std::optional<std::string> read_proc_file(const std::string& path, std::size_t max_bytes);

// The target of a symlink such as /proc/PID/exe (" (deleted)" kept: it is
// evidence); nullopt when it cannot be read.
[[nodiscard]] std::optional<std::string> read_proc_link(const std::string& path);

// "<root>/<pid>/<name>"
[[nodiscard]] std::string proc_path(const std::string& root, std::uint32_t pid, std::string_view name);

}  // namespace bindtrace
