// Network-namespace handles by inode, and the setns scope owner lookups run in.
#include "bindtrace/owner/netns.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bindtrace/errors.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

std::optional<int> open_if_inode(const std::string& path, std::uint32_t inode) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  struct stat st{};
  if (::fstat(fd.get(), &st) != 0 || st.st_ino != inode) return std::nullopt;
  return fd.release();
}

std::optional<int> search_dir(const std::string& dir, const std::string& suffix, std::uint32_t inode,
                              bool numeric_only) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  std::optional<int> found;
  while (dirent* entry = ::readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    if (numeric_only && (entry->d_name[0] < '0' || entry->d_name[0] > '9')) continue;
    if ((found = open_if_inode(dir + "/" + entry->d_name + suffix, inode))) break;
  }
  ::closedir(d);
  return found;
}

}  // namespace

std::uint32_t current_netns() {
  struct stat st{};
  if (::stat("/proc/thread-self/ns/net", &st) != 0) return 0;
  return static_cast<std::uint32_t>(st.st_ino);
}

std::optional<int> open_netns(std::uint32_t inode, std::uint32_t hint_pid, const std::string& proc_root) {
  if (hint_pid != 0) {
    if (auto fd = open_if_inode(proc_root + "/" + std::to_string(hint_pid) + "/ns/net", inode)) return fd;
  }
  if (auto fd = search_dir("/run/netns", "", inode, false)) return fd;
  return search_dir(proc_root, "/ns/net", inode, true);
}

NetnsScope::NetnsScope(std::uint32_t inode, std::uint32_t hint_pid) {
  if (inode == 0 || inode == current_netns()) return;
  auto target = open_netns(inode, hint_pid);
  if (!target) throw RuntimeError("network namespace " + std::to_string(inode) + " is gone");
  UniqueFd target_fd(*target);
  UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original) throw RuntimeError(std::string("cannot open the current network namespace: ") + std::strerror(errno));
  if (::setns(target_fd.get(), CLONE_NEWNET) != 0)
    throw RuntimeError("cannot enter network namespace " + std::to_string(inode) + ": " + std::strerror(errno) +
                       " (needs CAP_SYS_ADMIN)");
  original_ = original.release();
}

NetnsScope::~NetnsScope() {
  if (original_ < 0) return;
  // Returning cannot fail for a namespace we came from; if it did, this thread
  // would keep answering for the wrong namespace, so stop loudly.
  if (::setns(original_, CLONE_NEWNET) != 0) std::abort();
  ::close(original_);
}

}  // namespace bindtrace
