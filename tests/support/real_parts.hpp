// Real parts for integration tests: /proc facts about test processes,
// polling, processes that are not our children, cgroup directories and temp
// directories that clean up after themselves. Shared by the attribution,
// diagnosis and manager tests.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "process.hpp"

namespace bindtrace::testing {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string comm_of(pid_t pid) {
  std::string comm = read_file("/proc/" + std::to_string(pid) + "/comm");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

// Field 22 of /proc/PID/stat (after the parenthesised comm); 0 when gone.
inline std::uint64_t start_time_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && (rest >> field); ++i) {
  }
  return std::strtoull(field.c_str(), nullptr, 10);
}

// Field 3 of /proc/PID/stat: 'R', 'S', ... 'Z' (zombie); '\0' when gone.
inline char state_of(pid_t pid) {
  const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? '\0' : stat[close + 2];
}

inline pid_t ppid_of(pid_t pid) {
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("PPid:", 0) == 0) return static_cast<pid_t>(std::stol(line.substr(5)));
  return -1;
}

// "ready pid=N port=P" -> N.
inline pid_t ready_pid(const std::string& line) {
  const auto at = line.find("pid=");
  return at == std::string::npos ? -1 : static_cast<pid_t>(std::stol(line.substr(at + 4)));
}

// bt_sock listening on 127.0.0.1:port (its socket is fd 3) until its stdin closes.
inline std::unique_ptr<Child> bt_sock_listener(std::uint16_t port) {
  auto child = std::make_unique<Child>(
      std::vector<std::string>{testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold",
                               "listen"},
      Child::Options{.pipe_stdin = true});
  EXPECT_TRUE(child->expect_line("ready")) << "bt_sock did not listen on " << port;
  return child;
}

// The inode of the socket `pid` holds as `fd`; 0 when it is not a socket.
inline std::uint64_t socket_inode(pid_t pid, int fd) {
  struct stat st {};
  const std::string path = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino;
}

inline bool can_connect(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  ::close(fd);
  return ok;
}

template <typename Pred>
inline bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

// Waits for a child without blocking forever: SIGKILL after `grace`.
inline int wait_within(Child& child, std::chrono::milliseconds grace) {
  eventually(
      [&] {
        siginfo_t info{};
        return ::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == child.pid();
      },
      grace);
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != child.pid())
    child.signal(SIGKILL);
  return child.wait();
}

// Everything a child prints on stdout until EOF (it has exited).
inline std::string all_output(Child& child) {
  std::string all;
  while (auto line = child.read_line(5s)) all += *line + "\n";
  return all;
}

// A process that is not our child (an orphan, a tmux pane, an accepted
// socket-activation child): stopped on scope exit, but only while it is
// still the same process (comm and start time), so a reused pid is safe.
class StrayProcess {
 public:
  StrayProcess() = default;
  explicit StrayProcess(pid_t pid) { adopt(pid); }
  ~StrayProcess() { stop(); }
  StrayProcess(const StrayProcess&) = delete;
  StrayProcess& operator=(const StrayProcess&) = delete;

  void adopt(pid_t pid) {
    stop();
    pid_ = pid;
    comm_ = comm_of(pid);
    start_ = start_time_of(pid);
  }
  [[nodiscard]] bool same_process() const {
    if (pid_ <= 0 || start_ == 0) return false;
    const char state = state_of(pid_);
    return state != '\0' && state != 'Z' && state != 'X' && start_time_of(pid_) == start_ &&
           comm_of(pid_) == comm_;
  }
  void stop() {
    if (pid_ <= 0) return;
    if (same_process()) {
      ::kill(pid_, SIGTERM);
      if (!eventually([&] { return !same_process(); }, 2s)) ::kill(pid_, SIGKILL);
      eventually([&] { return !same_process(); }, 2s);
    }
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  std::string comm_;
  std::uint64_t start_ = 0;
};

// Cgroup directories created for one test, under the cgroup2 mount. Only the
// components this test created are removed: after their processes are moved
// back to the root, deepest first.
class CgroupDirs {
 public:
  explicit CgroupDirs(std::string root) : root_(std::move(root)) {}
  ~CgroupDirs() {
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) {
      std::istringstream procs(read_file(*it + "/cgroup.procs"));
      for (std::string pid; std::getline(procs, pid);) {
        std::ofstream(root_ + "/cgroup.procs") << pid << std::flush;
      }
      ::rmdir(it->c_str());
    }
  }
  CgroupDirs(const CgroupDirs&) = delete;
  CgroupDirs& operator=(const CgroupDirs&) = delete;

  // Removes and creates the (empty) leaf `rel` again, as systemd does when it
  // restarts a unit: same path, new cgroup id.
  void recreate(const std::string& rel) {
    ::rmdir((root_ + rel).c_str());
    ::mkdir((root_ + rel).c_str(), 0755);
  }

  // Creates `rel` ("/system.slice/x.service"); returns its cgroup.procs file.
  std::string make(const std::string& rel) {
    std::string path = root_;
    std::size_t from = 1;
    while (from <= rel.size()) {
      std::size_t slash = rel.find('/', from);
      if (slash == std::string::npos) slash = rel.size();
      path += "/" + rel.substr(from, slash - from);
      if (::mkdir(path.c_str(), 0755) == 0) {
        created_.push_back(path);
        remember_for_sweep(path);
      }
      from = slash + 1;
    }
    return path + "/cgroup.procs";
  }

 private:
  // A run killed before the destructor leaves the directory behind:
  // scripts/sweep.sh removes every path listed here.
  static void remember_for_sweep(const std::string& path) {
    ::mkdir("/run/bindtrace-tests", 0755);
    std::ofstream("/run/bindtrace-tests/cgroups", std::ios::app) << path << '\n';
  }

  std::string root_;
  std::vector<std::string> created_;
};

// A small tmpfs mounted for one test (source name "bindtrace-test", which
// scripts/sweep.sh looks for), unmounted when it goes out of scope, even
// after a failed assertion.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, const char* size) : dir_(dir) {
    const std::string data = std::string("size=") + size + ",mode=0700";
    mounted_ = ::mount("bindtrace-test", dir.c_str(), "tmpfs", 0, data.c_str()) == 0;
    if (!mounted_) err_ = errno;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] int error() const { return err_; }

 private:
  std::string dir_;
  bool mounted_ = false;
  int err_ = 0;
};

// A temporary directory, removed with everything in it.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) : path_("/tmp/bt-test-" + std::to_string(::getpid()) + "-" + tag) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// tests/testprogs/bt_hold on 0.0.0.0:port (any argv: `program` may be a
// renamed copy such as docker-proxy), placed in cgroup `rel` ("" = where the
// test runs), holding until its stdin closes.
inline std::unique_ptr<Child> hold_with_bt_hold(CgroupDirs& cgroups, std::uint16_t port, const std::string& rel,
                                                const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"env", "BT_PORT=" + std::to_string(port), "BT_MAX_SECONDS=90", program};
  argv.insert(argv.end(), args.begin(), args.end());
  Child::Options options{.pipe_stdin = true};
  if (!rel.empty()) options.cgroup_procs = cgroups.make(rel);
  auto child = std::make_unique<Child>(std::move(argv), options);
  EXPECT_TRUE(child->expect_line("ready")) << "bt_hold did not start: " << child->drain_stderr();
  return child;
}

// A real supervisord running one [program:backend], its configuration passed
// with -c (as a packaged supervisor.service runs it), itself optionally in a
// cgroup. The program's pid comes from `supervisorctl pid`, as a person asks.
class Supervisord {
 public:
  struct Program {
    std::string command;
    std::string environment;  // supervisord syntax: KEY="value",KEY2="value"
    std::string directory;    // empty: supervisord's own
  };
  // cgroup_procs: a cgroup.procs file to start supervisord in ("" = here).
  explicit Supervisord(const Program& program, const std::string& cgroup_procs = "") : dir_("supervisor") {
    conf_ = dir_.path() + "/supervisord.conf";
    std::ofstream conf(conf_);
    conf << "[unix_http_server]\nfile=" << dir_.path() << "/supervisor.sock\n"
         << "[supervisord]\nnodaemon=true\nlogfile=" << dir_.path() << "/supervisord.log\npidfile="
         << dir_.path() << "/supervisord.pid\nchildlogdir=" << dir_.path() << "\n"
         << "[rpcinterface:supervisor]\n"
            "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
         << "[supervisorctl]\nserverurl=unix://" << dir_.path() << "/supervisor.sock\n"
         << "[program:backend]\ncommand=" << program.command << "\n";
    if (!program.environment.empty()) conf << "environment=" << program.environment << "\n";
    if (!program.directory.empty()) conf << "directory=" << program.directory << "\n";
    conf << "autorestart=false\nstartsecs=0\nstopwaitsecs=2\n"
         << "redirect_stderr=true\nstdout_logfile=" << dir_.path() << "/backend.log\n";
    conf.close();
    Child::Options options;
    options.cgroup_procs = cgroup_procs;
    daemon_ = std::make_unique<Child>(std::vector<std::string>{"supervisord", "-n", "-c", conf_}, options);
  }
  ~Supervisord() {
    daemon_->signal(SIGTERM);  // supervisord stops its programs, then exits
    wait_within(*daemon_, 10s);
    program_.stop();  // only if supervisord left it behind
  }
  Supervisord(const Supervisord&) = delete;
  Supervisord& operator=(const Supervisord&) = delete;

  [[nodiscard]] pid_t pid() const { return daemon_->pid(); }
  // The configuration file it reads (`supervisord -c`).
  [[nodiscard]] const std::string& conf() const { return conf_; }
  // The program's pid (waits until it runs); -1 when it never ran.
  pid_t program_pid() {
    pid_t pid = -1;
    eventually(
        [&] {
          Child ctl({"supervisorctl", "-c", conf_, "pid", "backend"});
          auto line = ctl.read_line(5s);
          wait_within(ctl, 5s);
          if (line && !line->empty() && std::all_of(line->begin(), line->end(), ::isdigit)) pid = std::stoi(*line);
          return pid > 0;
        },
        15s);
    if (pid > 0) program_.adopt(pid);
    return pid;
  }
  // `supervisorctl status backend` as a person would run it.
  [[nodiscard]] std::string status() const {
    Child ctl({"supervisorctl", "-c", conf_, "status", "backend"});
    const std::string out = all_output(ctl);
    wait_within(ctl, 5s);
    return out;
  }
  [[nodiscard]] std::string log() const { return read_file(dir_.path() + "/supervisord.log"); }
  // The program's output (bt_hold's "ready pid=N port=P" line lands here).
  [[nodiscard]] std::string program_log() const { return read_file(dir_.path() + "/backend.log"); }

 private:
  TempDir dir_;
  std::string conf_;
  std::unique_ptr<Child> daemon_;
  StrayProcess program_;
};

// supervisord running tests/testprogs/bt_hold on 0.0.0.0:port.
inline Supervisord::Program bt_hold_program(std::uint16_t port) {
  return {testprog("bt_hold"), "BT_PORT=\"" + std::to_string(port) + "\",BT_MAX_SECONDS=\"90\"", ""};
}

}  // namespace bindtrace::testing
