// libbpf reports through one global callback.
#include "capture/libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <utility>

#include "bindtrace/capture/capture.hpp"  // set_libbpf_verbose

namespace bindtrace {
namespace {

// libbpf reports through a global callback: keep the last warning so a failed
// trial can say why, and echo everything under -v.
std::mutex g_log_mutex;
std::string g_last_warning;
bool g_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  char line[1024];  // enough for a one-line warning; the verifier log goes to stderr whole
  va_list copy;
  va_copy(copy, args);
  std::vsnprintf(line, sizeof(line), format, copy);
  va_end(copy);
  std::lock_guard lock(g_log_mutex);
  if (g_verbose) std::vfprintf(stderr, format, args);
  // Keep the most specific warning: the first one naming a program, else the latest.
  const bool have_program = g_last_warning.find("prog '") != std::string::npos;
  if (level <= LIBBPF_WARN && !have_program) {
    g_last_warning = line;
    while (!g_last_warning.empty() && (g_last_warning.back() == '\n' || g_last_warning.back() == ' '))
      g_last_warning.pop_back();
  }
  return 0;
}

}  // namespace

void install_libbpf_print() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_print); });
}

std::string take_last_warning() {
  std::lock_guard lock(g_log_mutex);
  return std::exchange(g_last_warning, {});
}

void set_libbpf_verbose(bool verbose) {
  install_libbpf_print();
  std::lock_guard lock(g_log_mutex);
  g_verbose = verbose;
}

// "prog 'state_btf': ..." -> "state_btf"
std::string program_named_in(const std::string& message) {
  const auto open = message.find("prog '");
  if (open == std::string::npos) return {};
  const auto close = message.find('\'', open + 6);
  return close == std::string::npos ? std::string() : message.substr(open + 6, close - open - 6);
}

}  // namespace bindtrace
