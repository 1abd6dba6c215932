// systemd's own rules for naming the unit of a cgroup path, so that the answer
// matches sd_pid_get_unit() / sd_pid_get_user_unit() (the integration oracle).
#include "bindtrace/attribute/systemd_unit.hpp"

#include <array>

#include "attribute/path_parts.hpp"

namespace bindtrace {
namespace {

using attribute_detail::split_path;

constexpr std::size_t kUnitNameMax = 256;  // UNIT_NAME_MAX
constexpr std::array<std::string_view, 11> kUnitTypes = {
    "service", "mount", "swap", "socket", "target", "device", "automount", "timer", "path", "slice", "scope"};

bool valid_unit_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' || c == '-' ||
         c == '_' || c == '.' || c == '\\' || c == '@';
}

// cg_unescape(): the kernel's own names ("cpu", "tasks", ...) are escaped with one leading '_'.
std::string_view cg_unescape(std::string_view part) {
  if (!part.empty() && part.front() == '_') part.remove_prefix(1);
  return part;
}

// valid_slice_name() of cgroup-util.c.
bool is_slice_part(std::string_view part) {
  if (part.size() < std::string_view("x.slice").size() || !part.ends_with(".slice")) return false;
  return unit_name_is_valid(cg_unescape(part), kUnitNamePlain);
}

// The unit part that cg_path_get_unit() decodes: the index of the first
// non-slice part of `parts`, from `from` on.
std::size_t skip_slices(const std::vector<std::string_view>& parts, std::size_t from) {
  while (from < parts.size() && is_slice_part(parts[from])) ++from;
  return from;
}

// cg_path_decode_unit() + the "no slices now" check of cg_path_get_unit().
std::optional<std::string> decode_unit(const std::vector<std::string_view>& parts, std::size_t at) {
  if (at >= parts.size() || parts[at].size() < 3) return std::nullopt;
  const std::string_view unit = cg_unescape(parts[at]);
  if (!unit_name_is_valid(unit, kUnitNamePlain | kUnitNameInstance)) return std::nullopt;
  if (unit.ends_with(".slice")) return std::nullopt;
  return std::string(unit);
}

// session_id_valid() of login-util.c: letters and digits.
bool session_id_valid(std::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

bool is_session_scope(std::string_view part) {
  constexpr std::string_view kPrefix = "session-";
  constexpr std::string_view kSuffix = ".scope";
  if (part.size() < std::string_view("session-x.scope").size()) return false;
  if (!part.starts_with(kPrefix) || !part.ends_with(kSuffix)) return false;
  return session_id_valid(part.substr(kPrefix.size(), part.size() - kPrefix.size() - kSuffix.size()));
}

// Index of the part after user@UID.service or session-ID.scope (skip_user_prefix()).
std::optional<std::size_t> skip_user_prefix(const std::vector<std::string_view>& parts) {
  const std::size_t at = skip_slices(parts, 0);
  if (at >= parts.size()) return std::nullopt;
  if (user_manager_uid(parts[at]) || is_session_scope(parts[at])) return at + 1;
  return std::nullopt;
}

// The innermost slice among parts[0, end).
std::string innermost_slice(const std::vector<std::string_view>& parts, std::size_t end) {
  for (std::size_t i = end; i > 0; --i) {
    if (is_slice_part(parts[i - 1])) return std::string(parts[i - 1]);
  }
  return {};
}

// "user-1000.slice" anywhere above `end` -> 1000.
std::optional<std::uint32_t> user_slice_uid(const std::vector<std::string_view>& parts, std::size_t end) {
  constexpr std::string_view kPrefix = "user-";
  constexpr std::string_view kSuffix = ".slice";
  for (std::size_t i = 0; i < end && i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.starts_with(kPrefix) && part.ends_with(kSuffix) &&
        part.size() > kPrefix.size() + kSuffix.size()) {
      if (auto uid = parse_number<std::uint32_t>(part.substr(kPrefix.size(), part.size() - kPrefix.size() - kSuffix.size()))) {
        return uid;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

bool unit_name_is_valid(std::string_view name, unsigned forms) {
  if (forms == 0 || name.empty() || name.size() >= kUnitNameMax) return false;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view type = name.substr(dot + 1);
  if (std::find(kUnitTypes.begin(), kUnitTypes.end(), type) == kUnitTypes.end()) return false;
  const std::string_view stem = name.substr(0, dot);
  if (!std::all_of(stem.begin(), stem.end(), valid_unit_char)) return false;
  const std::size_t at = stem.find('@');
  if (at == 0) return false;
  if (at == std::string_view::npos) return (forms & kUnitNamePlain) != 0;
  if (at + 1 < stem.size()) return (forms & kUnitNameInstance) != 0;
  return (forms & kUnitNameTemplate) != 0;
}

std::string unit_name_unescape(std::string_view name) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '\\' && i + 3 < name.size() && name[i + 1] == 'x' && hex(name[i + 2]) >= 0 &&
        hex(name[i + 3]) >= 0) {
      const int byte = hex(name[i + 2]) * 16 + hex(name[i + 3]);
      if (byte != 0) {
        out += static_cast<char>(byte);
        i += 3;
        continue;
      }
    }
    out += name[i];
  }
  return out;
}

std::optional<std::uint32_t> user_manager_uid(std::string_view unit) {
  constexpr std::string_view kPrefix = "user@";
  constexpr std::string_view kSuffix = ".service";
  if (unit.size() < std::string_view("user@x.service").size()) return std::nullopt;
  if (!unit.starts_with(kPrefix) || !unit.ends_with(kSuffix)) return std::nullopt;
  auto uid = parse_number<std::uint32_t>(unit.substr(kPrefix.size(), unit.size() - kPrefix.size() - kSuffix.size()));
  // uid_is_valid(): (uid_t) -1 and the 16-bit -1 are never real users.
  if (uid && (*uid == UINT32_MAX || *uid == 0xffffu)) return std::nullopt;
  return uid;
}

std::optional<std::string> cgroup_system_unit(std::string_view path) {
  const auto parts = split_path(path);
  return decode_unit(parts, skip_slices(parts, 0));
}

std::optional<std::string> cgroup_user_unit(std::string_view path) {
  const auto parts = split_path(path);
  const auto after = skip_user_prefix(parts);
  if (!after) return std::nullopt;
  return decode_unit(parts, skip_slices(parts, *after));
}

std::optional<SystemdUnit> systemd_unit_of(std::string_view path) {
  const auto parts = split_path(path);
  const std::size_t at = skip_slices(parts, 0);
  auto system_unit = decode_unit(parts, at);
  if (!system_unit) return std::nullopt;

  if (const auto uid = user_manager_uid(*system_unit)) {
    const std::size_t user_at = skip_slices(parts, at + 1);
    if (auto user_unit = decode_unit(parts, user_at)) {
      return SystemdUnit{.name = std::move(*user_unit),
                         .scope = "user",
                         .slice = innermost_slice(parts, user_at),
                         .uid = uid};
    }
    // The user manager's own cgroup, or a path below it that names no unit.
    return SystemdUnit{
        .name = std::move(*system_unit), .scope = "system", .slice = innermost_slice(parts, at), .uid = uid};
  }
  if (is_session_scope(parts[at])) {
    return SystemdUnit{.name = std::move(*system_unit),
                       .scope = "session",
                       .slice = innermost_slice(parts, at),
                       .uid = user_slice_uid(parts, at)};
  }
  return SystemdUnit{.name = std::move(*system_unit),
                     .scope = "system",
                     .slice = innermost_slice(parts, at),
                     .uid = std::nullopt};
}

}  // namespace bindtrace
