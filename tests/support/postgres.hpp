// A real PostgreSQL server for integration tests: initdb and postgres as
// nobody in a temporary directory, stopped when it goes out of scope.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "process.hpp"
#include "real_parts.hpp"

namespace bindtrace::testing {

using namespace std::chrono_literals;

// The directory with postgres and initdb: on PATH, else Debian's
// /usr/lib/postgresql/VERSION/bin (package postgresql-15), the newest.
inline std::string postgres_bin_dir() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');)
    if (!dir.empty() && ::access((dir + "/postgres").c_str(), X_OK) == 0 &&
        ::access((dir + "/initdb").c_str(), X_OK) == 0)
      return dir;
  std::string best;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string dir = entry.path().string() + "/bin";
    if (::access((dir + "/postgres").c_str(), X_OK) == 0 && ::access((dir + "/initdb").c_str(), X_OK) == 0 &&
        dir > best)
      best = dir;
  }
  return best;
}

class Postgres {
 public:
  // initdb + postgres on 127.0.0.1:port as nobody, sockets in the data dir's parent;
  // `tag` names the temporary directory (two servers need two).
  Postgres(const std::string& bin, std::uint16_t port, const std::string& tag = "pg") : dir_(tag) {
    ::chown(dir_.path().c_str(), 65534, 65534);
    const std::string data = dir_.path() + "/data";
    Child initdb({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin + "/initdb", "-D", data,
                  "-A", "trust", "-U", "postgres", "--no-sync"});
    initdb_status_ = wait_within(initdb, 60s);
    if (initdb_status_ != 0) {
      initdb_err_ = initdb.drain_stderr();
      return;
    }
    server_ = std::make_unique<Child>(std::vector<std::string>{
        "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin + "/postgres", "-D", data, "-p",
        std::to_string(port), "-c", "listen_addresses=127.0.0.1", "-c",
        "unix_socket_directories=" + dir_.path(), "-c", "fsync=off"});
  }
  ~Postgres() {
    if (server_) {
      server_->signal(SIGINT);  // fast shutdown
      wait_within(*server_, 10s);
    }
  }
  [[nodiscard]] bool started() const { return initdb_status_ == 0 && server_; }
  [[nodiscard]] const std::string& initdb_err() const { return initdb_err_; }
  [[nodiscard]] pid_t pid() const { return server_ ? server_->pid() : -1; }
  [[nodiscard]] std::string data_dir() const { return dir_.path() + "/data"; }
  // The server's exit status, waiting up to `deadline` (a second server on a taken port exits).
  int wait(std::chrono::milliseconds deadline) { return server_ ? wait_within(*server_, deadline) : -1; }
  std::string drain() { return server_ ? server_->drain_stderr() : std::string{}; }

 private:
  TempDir dir_;
  int initdb_status_ = -1;
  std::string initdb_err_;
  std::unique_ptr<Child> server_;
};

}  // namespace bindtrace::testing
