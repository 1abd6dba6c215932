// uid -> login name through getpwuid_r, cached (user_names.hpp).
#include "bindtrace/proc/user_names.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>
#include <vector>

namespace bindtrace {
namespace {

constexpr std::size_t kMaxCached = 256;

std::optional<std::string> look_up(std::uint32_t uid) {
  long hint = ::sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(hint > 0 ? static_cast<std::size_t>(hint) : 1024);
  passwd entry{};
  passwd* found = nullptr;
  for (int tries = 0; tries < 6; ++tries) {
    const int rc = ::getpwuid_r(static_cast<uid_t>(uid), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 4);
      continue;
    }
    if (rc != 0 || !found || !found->pw_name || found->pw_name[0] == '\0') return std::nullopt;
    return std::string(found->pw_name);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> user_name_of(std::uint32_t uid) {
  static std::mutex mutex;
  static std::map<std::uint32_t, std::optional<std::string>> cache;
  {
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(uid); it != cache.end()) return it->second;
  }
  auto name = look_up(uid);
  std::lock_guard lock(mutex);
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(uid, name);
  return name;
}

void add_user_name(Service& service) {
  if (!service.uid || !service.user.empty()) return;
  if (auto name = user_name_of(*service.uid)) service.user = std::move(*name);
}

}  // namespace bindtrace
