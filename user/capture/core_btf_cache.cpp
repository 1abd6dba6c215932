// The cached minimal CO-RE BTF: its name and its generation by bpftool.
#include "bindtrace/capture/core_btf_cache.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>

extern char** environ;

namespace bindtrace {
namespace {

constexpr const char* kKernelBtf = "/sys/kernel/btf/vmlinux";

// FNV-1a, 64 bits: a file name, not a security boundary.
struct Digest {
  std::uint64_t h = 1469598103934665603ULL;
  void add(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  }
  void add(const std::string& s) { add(s.data(), s.size() + 1); }
};

std::string kernel_identity() {
  utsname u{};
  ::uname(&u);
  struct stat st{};
  const long long size = ::stat(kKernelBtf, &st) == 0 ? static_cast<long long>(st.st_size) : -1;
  return std::string(u.release) + "\n" + u.version + "\n" + u.machine + "\n" + std::to_string(size);
}

// Runs argv, its stderr into `err`; returns the exit status (-1: not started).
int run(const std::vector<std::string>& args, std::string& err) {
  char err_path[] = "/tmp/bindtrace-bpftool-XXXXXX";
  const int err_fd = ::mkstemp(err_path);
  if (err_fd < 0) return -1;
  ::unlink(err_path);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ::close(err_fd);
    errno = rc;
    return -1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  char buf[512];
  const ssize_t n = ::pread(err_fd, buf, sizeof(buf) - 1, 0);
  ::close(err_fd);
  if (n > 0) err.assign(buf, static_cast<std::size_t>(n));
  while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string core_btf_path(const std::string& dir, std::span<const std::byte> object) {
  Digest d;
  d.add(kernel_identity());
  d.add(object.data(), object.size());
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx.btf", static_cast<unsigned long long>(d.h));
  return dir + "/" + name;
}

std::string generate_core_btf(const std::string& dir, std::span<const std::byte> object) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  const std::string target = core_btf_path(dir, object);
  const std::string tmp = target + ".tmp." + std::to_string(::getpid());
  const std::string object_tmp = tmp + ".o";
  {
    std::ofstream out(object_tmp, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(object.data()), static_cast<std::streamsize>(object.size()));
    if (!out) {
      fs::remove(object_tmp, ec);
      return "cannot write " + object_tmp;
    }
  }
  std::string err;
  const int status = run({"bpftool", "gen", "min_core_btf", kKernelBtf, tmp, object_tmp}, err);
  fs::remove(object_tmp, ec);
  if (status != 0) {
    fs::remove(tmp, ec);
    if (status < 0) return "bpftool not found (it cuts the minimal BTF)";
    return "bpftool gen min_core_btf exited " + std::to_string(status) + (err.empty() ? "" : ": " + err);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    fs::remove(tmp, ec);
    return "cannot rename into " + target + ": " + why;
  }
  return "";
}

}  // namespace bindtrace
