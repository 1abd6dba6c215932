// libsystemd, opened on first use: the agent's readiness notifications and
// journald entries. Linking it would load it, and the libgcrypt, lz4, zstd
// and lzma it pulls in, into every command (`who`, `trace`) at start-up.
#pragma once

#include <sys/uio.h>

#include <string>

namespace bindtrace {

struct SystemdLibrary {
  int (*notify)(int unset_environment, const char* state) = nullptr;  // sd_notify
  int (*journal_sendv)(const struct iovec* iov, int n) = nullptr;     // sd_journal_sendv
  std::string error;  // why they are null: "libsystemd.so.0: cannot open shared object file ..."
};

// Opened once, thread-safe; the functions stay null when it cannot be loaded.
[[nodiscard]] const SystemdLibrary& systemd_library();

// sd_notify(0, state) when libsystemd is there (a no-op outside systemd, as sd_notify is).
void notify_service_manager(const char* state);

}  // namespace bindtrace
