// A prefork server as gunicorn or nginx run one: a Python master listens on
// 0.0.0.0:PORT, then forks workers that keep the socket; it prints
// "ready MASTER W1 W2 ..." and holds until its stdin closes.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

namespace bindtrace::testing {

// argv: python3 -c kPreforkServer PORT WORKERS
inline constexpr const char* kPreforkServer = R"(
import os, socket, sys
port, workers = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
s.listen()
pids = []
for _ in range(workers):
    pid = os.fork()
    if pid == 0:
        sys.stdin.read()
        os._exit(0)
    pids.append(pid)
print("ready", os.getpid(), *pids, flush=True)
sys.stdin.read()
for pid in pids:
    os.waitpid(pid, 0)
)";

// The pids of its "ready" line, master first.
inline std::vector<std::uint32_t> pids_in(const std::string& line) {
  std::istringstream words(line);
  std::string ready;
  words >> ready;
  std::vector<std::uint32_t> pids;
  for (std::uint32_t pid = 0; words >> pid;) pids.push_back(pid);
  return pids;
}

}  // namespace bindtrace::testing
