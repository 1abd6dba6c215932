// libsystemd by dlopen, as systemd's own tools load their optional libraries.
#include "bindtrace/sinks/systemd_library.hpp"

#include <dlfcn.h>

namespace bindtrace {

const SystemdLibrary& systemd_library() {
  static const SystemdLibrary library = [] {
    SystemdLibrary l;
    void* handle = ::dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = ::dlerror();
      l.error = why ? why : "libsystemd.so.0 cannot be loaded";
      return l;
    }
    l.notify = reinterpret_cast<decltype(l.notify)>(::dlsym(handle, "sd_notify"));
    l.journal_sendv = reinterpret_cast<decltype(l.journal_sendv)>(::dlsym(handle, "sd_journal_sendv"));
    if (!l.notify || !l.journal_sendv) l.error = "libsystemd.so.0 lacks sd_notify or sd_journal_sendv";
    return l;  // the handle stays open for the process's life
  }();
  return library;
}

void notify_service_manager(const char* state) {
  if (const auto notify = systemd_library().notify) notify(0, state);
}

}  // namespace bindtrace
