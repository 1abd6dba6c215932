// Finds and opens bindtrace-http.so: beside the executable (the build tree),
// in ../lib/bindtrace (installed: /usr/sbin -> /usr/lib/bindtrace), or in
// ../user (the test programs of the build tree); BINDTRACE_MODULE_DIR first.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/sinks/http_endpoint.hpp"

namespace bindtrace {
namespace {

std::vector<std::string> module_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("BINDTRACE_MODULE_DIR"); env && *env) dirs.emplace_back(env);
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path dir = exe.parent_path();
    dirs.push_back(dir.string());
    dirs.push_back((dir.parent_path() / "lib" / "bindtrace").string());
    dirs.push_back((dir.parent_path() / "user").string());
  }
  return dirs;
}

MakeHttpEndpoint open_module() {
  static std::once_flag once;
  static MakeHttpEndpoint make = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    std::string tried;
    for (const std::string& dir : module_dirs()) {
      const std::string path = dir + "/" + kHttpModule;
      if (::access(path.c_str(), R_OK) != 0) {
        tried += (tried.empty() ? "" : ", ") + path;
        continue;
      }
      void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char* why = ::dlerror();
        failure = std::string("cannot load ") + path + ": " + (why ? why : "dlopen failed");
        return;
      }
      make = reinterpret_cast<MakeHttpEndpoint>(::dlsym(handle, kMakeHttpEndpoint));
      if (!make) failure = path + " has no " + kMakeHttpEndpoint;
      return;  // the handle stays open for the process's life
    }
    failure = std::string("no ") + kHttpModule + " (looked for " + tried + ")";
  });
  if (!make) throw RuntimeError("the metrics endpoint needs its HTTP module: " + failure);
  return make;
}

}  // namespace

std::unique_ptr<HttpEndpoint> make_http_endpoint(std::function<std::string()> render) {
  return std::unique_ptr<HttpEndpoint>(open_module()(std::move(render)));
}

}  // namespace bindtrace
