// The /proc/PID text files a traced process controls (stat with its comm,
// status, cmdline, environ, cgroup, comm) through the real readers:
// read_snapshot (argv and environ splitting, ancestors, the pid-reuse check)
// and ProcReader. The input is the files' contents separated by 0x1e, in
// that order; they are written under a scratch /proc root for pid 4242.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "bindtrace/attribute.hpp"
#include "bindtrace/proc/snapshot_reader.hpp"
#include "bindtrace/proc/proc_reader.hpp"
#include "common.hpp"

namespace {

constexpr std::uint32_t kPid = 4242;
const char* const kFiles[] = {"stat", "status", "cmdline", "environ", "cgroup", "comm"};

char g_root[64];  // a C string, so the atexit cleanup never sees a destroyed object

const char* proc_root() {
  if (g_root[0] == '\0') {
    const char* base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::snprintf(g_root, sizeof(g_root), "%s/bindtrace-proc-text-fuzz-XXXXXX", base);
    if (!::mkdtemp(g_root)) std::abort();
    std::filesystem::create_directory(std::filesystem::path(g_root) / std::to_string(kPid));
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(g_root, ignored);
    });
  }
  return g_root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto sections = bindtrace::fuzz::split(input, '\x1e');
  const std::filesystem::path dir = std::filesystem::path(proc_root()) / std::to_string(kPid);
  for (std::size_t i = 0; i < std::size(kFiles); ++i) {
    std::ofstream out(dir / kFiles[i], std::ios::binary | std::ios::trunc);
    if (i < sections.size()) out << sections[i];
  }

  const std::string root = proc_root();
  if (const auto snapshot = bindtrace::read_snapshot(kPid, root)) {
    FUZZ_CHECK(snapshot->pid == kPid);
    for (const auto& [key, value] : snapshot->environ) {
      FUZZ_CHECK(!key.empty() && key.find('=') == std::string::npos && key.find('\0') == std::string::npos);
      FUZZ_CHECK(value.find('\0') == std::string::npos);
    }
    for (const std::string& arg : snapshot->argv) FUZZ_CHECK(arg.find('\0') == std::string::npos);
    FUZZ_CHECK(snapshot->ancestors.size() <= 64);
    (void)bindtrace::describe_service(bindtrace::attribute(*snapshot));
  }

  const bindtrace::ProcReader reader(root);
  if (const auto cmdline = reader.cmdline(kPid)) FUZZ_CHECK(cmdline->size() <= 4096);
  (void)reader.comm(kPid);
  (void)reader.uid(kPid);
  (void)reader.cgroup_path(kPid);
  (void)reader.is_alive_since(kPid, 0);
  return 0;
}
