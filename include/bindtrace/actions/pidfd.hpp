// pidfd_open and pidfd_send_signal through syscall(2): glibc 2.36's
// <sys/pidfd.h> declares them without extern "C", so C++ cannot link them.
#pragma once

#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

namespace bindtrace {

// A file descriptor naming process `pid` (Linux 5.3), or -1 with errno.
inline int open_pidfd(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0U));
}

// Sends `sig` to the process the pidfd names (Linux 5.1); 0, or -1 with errno.
inline int signal_pidfd(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U));
}

}  // namespace bindtrace
