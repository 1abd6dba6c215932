// JournaldSink against a real systemd-journald: each test runs in a child
// process in a private mount namespace, with fresh tmpfs on /run/systemd and
// /run/log, where a real journald listens at /run/systemd/journal/socket.
// What the sink sent is read back with journalctl, as an operator would.
// The machine's own journal (if any) is never touched, so nothing skips.
#include "bindtrace/sinks/journald.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/unique_fd.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using json = nlohmann::json;

Event conflict_event() {
  Event e;
  e.realtime_ns = 1'700'000'000'000'000'000LL;
  e.op = Op::bind;
  e.err = 98;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "0.0.0.0";
  e.endpoint.port = 8001;
  e.process.pid = 991;
  e.process.tid = 991;
  e.process.comm = "python3";
  Service s;
  s.manager = ManagerKind::supervisor;
  s.name = "backend:backend";
  e.process.service = s;
  Owner owner;
  owner.kind = OwnerKind::process;
  owner.state = "LISTEN";
  Holder h;
  h.pid = 12;
  h.comm = "nginx";
  owner.holders.push_back(h);
  e.owner = owner;
  Diagnosis d;
  d.code = DiagnosisCode::foreign_service;
  d.summary = "nginx.service holds tcp 0.0.0.0:8001";
  e.diagnosis = d;
  return e;
}

// What a test body saw inside the namespace, sent back to the test.
struct Seen {
  bool available_before = false;  // JournaldSink::available() before the sink wrote
  std::uint64_t errors = 0;
  int last_error = 0;
  std::vector<json> entries;  // journalctl -o json, SYSLOG_IDENTIFIER=bindtrace
};

std::string run_and_read(const char* command) {
  std::string out;
  if (FILE* p = ::popen(command, "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

// The namespace and the journal: 0 on success, else a step number the
// parent names.
int prepare_namespace(bool start_journald, pid_t& journald) {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 10;
  for (const char* dir : {"/run/systemd", "/run/log"}) {
    ::mkdir(dir, 0755);
    if (::mount("bindtrace-test", dir, "tmpfs", 0, "mode=0755") != 0) return 11;
  }
  if (!start_journald) return 0;
  journald = ::fork();
  if (journald == 0) {
    ::execl("/lib/systemd/systemd-journald", "systemd-journald", nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (JournaldSink::available()) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return 12;
}

// Runs `send` in a child in a private mount namespace (with a real journald
// when `with_journald`), then reads back the journal until `expect_entries`
// entries are there (or 5 s pass).
Seen in_private_journal(bool with_journald, const std::function<void(JournaldSink&)>& send,
                        std::size_t expect_entries) {
  int pipe_fds[2];
  EXPECT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    pid_t journald = -1;
    json report;
    const int step = prepare_namespace(with_journald, journald);
    report["step"] = step;
    if (step == 0) {
      report["available_before"] = JournaldSink::available();
      JournaldSink sink;
      send(sink);
      report["errors"] = sink.errors();
      report["last_error"] = sink.last_error();
      report["entries"] = json::array();
      for (int i = 0; with_journald && i < 100; ++i) {
        json entries = json::array();
        const std::string out =
            run_and_read("journalctl -D /run/log/journal -o json --no-pager SYSLOG_IDENTIFIER=bindtrace 2>/dev/null");
        std::size_t from = 0;
        while (from < out.size()) {
          const std::size_t nl = out.find('\n', from);
          const std::string line = out.substr(from, nl == std::string::npos ? std::string::npos : nl - from);
          if (!line.empty()) entries.push_back(json::parse(line, nullptr, false));
          if (nl == std::string::npos) break;
          from = nl + 1;
        }
        report["entries"] = entries;
        if (entries.size() >= expect_entries) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    if (journald > 0) {
      ::kill(journald, SIGKILL);
      ::waitpid(journald, nullptr, 0);
    }
    const std::string text = report.dump();
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(pipe_fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  Seen seen;
  const json report = json::parse(text, nullptr, false);
  if (report.is_discarded() || !report.contains("step")) {
    ADD_FAILURE() << "the namespace child reported nothing (status " << status << ")";
    return seen;
  }
  EXPECT_EQ(report["step"], 0) << "10: no private mount namespace, 11: no tmpfs on /run, 12: journald never listened";
  seen.available_before = report.value("available_before", false);
  seen.errors = report.value("errors", std::uint64_t{0});
  seen.last_error = report.value("last_error", 0);
  if (report.contains("entries"))
    for (const json& e : report["entries"]) seen.entries.push_back(e);
  return seen;
}

// A journal field as text: journalctl writes a value that is not printable
// UTF-8 as an array of its bytes, and a repeated field as an array of values.
std::string text_of(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string bytes;
  if (value.is_array())
    for (const json& b : value)
      if (b.is_number()) bytes += static_cast<char>(b.get<int>());
  return bytes;
}

std::vector<std::string> values_of(const json& entry, const std::string& key) {
  if (!entry.contains(key)) return {};
  const json& v = entry[key];
  if (v.is_array() && !v.empty() && !v.front().is_number()) {
    std::vector<std::string> all;
    for (const json& one : v) all.push_back(text_of(one));
    return all;
  }
  return {text_of(v)};
}

std::string only(const json& entry, const std::string& key) {
  const auto values = values_of(entry, key);
  EXPECT_EQ(values.size(), 1u) << key << " in " << entry.dump();
  return values.empty() ? std::string() : values.front();
}

class JournaldSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      if (testing::under_ci()) FAIL() << "CI is set, but not root (a private mount namespace needs it)";
      GTEST_SKIP() << "not root: cannot make a private mount namespace for journald";
    }
    if (::access("/lib/systemd/systemd-journald", X_OK) != 0) {
      if (testing::under_ci()) FAIL() << "CI is set, but systemd-journald is missing (Debian package systemd)";
      GTEST_SKIP() << "no /lib/systemd/systemd-journald";
    }
  }

  // One event through the sink into a real journal; its entry read back.
  json entry_for(const Event& event) {
    const Seen seen = in_private_journal(true, [&](JournaldSink& sink) { sink.write(event); }, 1);
    EXPECT_TRUE(seen.available_before);
    EXPECT_EQ(seen.errors, 0u) << "errno " << seen.last_error;
    EXPECT_EQ(seen.entries.size(), 1u);
    return seen.entries.empty() ? json::object() : seen.entries.front();
  }
};

TEST_F(JournaldSinkTest, AvailableExactlyWhileJournaldListens) {
  EXPECT_TRUE(in_private_journal(true, [](JournaldSink&) {}, 0).available_before);
  EXPECT_FALSE(in_private_journal(false, [](JournaldSink&) {}, 0).available_before) << "an empty /run/systemd";
}

TEST_F(JournaldSinkTest, OneEntryWithTheSummaryAndEveryField) {
  const json entry = entry_for(conflict_event());
  EXPECT_EQ(only(entry, "MESSAGE"),
            "bind_failed EADDRINUSE tcp 0.0.0.0:8001 by python3[991]; owner nginx[12]: "
            "nginx.service holds tcp 0.0.0.0:8001");
  const std::pair<const char*, const char*> expected[] = {
      {"PRIORITY", "4"},
      {"SYSLOG_IDENTIFIER", "bindtrace"},
      {"BINDTRACE_EVENT", "bind_failed"},
      {"BINDTRACE_ERROR", "EADDRINUSE"},
      {"BINDTRACE_PROTO", "tcp"},
      {"BINDTRACE_FAMILY", "ipv4"},
      {"BINDTRACE_ADDR", "0.0.0.0"},
      {"BINDTRACE_PORT", "8001"},
      {"BINDTRACE_PID", "991"},
      {"BINDTRACE_COMM", "python3"},
      {"BINDTRACE_OWNER_PID", "12"},
      {"BINDTRACE_SERVICE", "backend:backend"},
      {"BINDTRACE_DIAGNOSIS", "foreign_service"},
  };
  for (const auto& [key, value] : expected) EXPECT_EQ(only(entry, key), value) << key;
  const std::string line = only(entry, "BINDTRACE_JSON");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = json::parse(line);  // the event's JSON line, whole
  EXPECT_EQ(j["event"], "bind_failed");
  EXPECT_EQ(j["error"], "EADDRINUSE");
  EXPECT_EQ(j["addr"], "0.0.0.0");
  EXPECT_EQ(j["port"], 8001);
  EXPECT_EQ(j["process"]["pid"], 991);
  EXPECT_EQ(j["process"]["comm"], "python3");
  EXPECT_EQ(j["process"]["service"]["name"], "backend:backend");
  EXPECT_EQ(j["owner"]["holders"][0]["pid"], 12);
  EXPECT_EQ(j["owner"]["holders"][0]["comm"], "nginx");
  EXPECT_EQ(j["diagnosis"]["code"], "foreign_service");
  EXPECT_EQ(j["diagnosis"]["summary"], "nginx.service holds tcp 0.0.0.0:8001");
}

TEST_F(JournaldSinkTest, HostileCommCannotForgeFieldsOrBreakTheMessage) {
  Event event = conflict_event();
  event.process.comm = "evil\nMESSAGE=forged\n\xff";
  const json entry = entry_for(event);
  const std::string message = only(entry, "MESSAGE");  // one MESSAGE: nothing forged a second
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("evil\\nMESSAGE=forged\\n"), std::string::npos) << message;
  EXPECT_EQ(only(entry, "BINDTRACE_COMM"), "evil\nMESSAGE=forged\n\xef\xbf\xbd");
  EXPECT_NE(message, "forged");
}

TEST_F(JournaldSinkTest, EveryHolderHasAnOwnerPidField) {
  Event event = conflict_event();
  Holder second;
  second.pid = 13;
  second.comm = "nginx";
  event.owner->holders.push_back(second);
  const json entry = entry_for(event);
  EXPECT_EQ(values_of(entry, "BINDTRACE_OWNER_PID"), (std::vector<std::string>{"12", "13"}));
  EXPECT_NE(only(entry, "MESSAGE").find("owner nginx[12] +1 more"), std::string::npos);
}

TEST_F(JournaldSinkTest, UnixEndpointHasNoPortAndUnattributedNoService) {
  Event event = conflict_event();
  event.endpoint = Endpoint{};
  event.endpoint.family = Family::unix_;
  event.endpoint.address = "/run/app.sock";
  event.proto = Proto::other;
  event.process.service.reset();
  event.owner.reset();
  event.diagnosis.reset();
  const json entry = entry_for(event);
  EXPECT_FALSE(entry.contains("BINDTRACE_PORT"));
  EXPECT_FALSE(entry.contains("BINDTRACE_SERVICE"));
  EXPECT_FALSE(entry.contains("BINDTRACE_OWNER_PID"));
  EXPECT_FALSE(entry.contains("BINDTRACE_DIAGNOSIS"));
  EXPECT_EQ(only(entry, "BINDTRACE_ADDR"), "/run/app.sock");
  EXPECT_EQ(only(entry, "MESSAGE"), "bind_failed EADDRINUSE unix /run/app.sock by python3[991]");
}

// journald gone, its socket left behind: every send is refused and counted.
TEST_F(JournaldSinkTest, RefusedSendIsCountedNotThrown) {
  const Seen seen = in_private_journal(false, [](JournaldSink& sink) {
    ::mkdir("/run/systemd/journal", 0755);
    {
      UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      sockaddr_un sun{};
      sun.sun_family = AF_UNIX;
      std::strncpy(sun.sun_path, JournaldSink::kSocketPath, sizeof(sun.sun_path) - 1);
      if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) return;
    }  // closed: the path stays, nobody reads it
    sink.write(conflict_event());
    sink.write(conflict_event());
  }, 0);
  EXPECT_EQ(seen.errors, 2u);
  EXPECT_EQ(seen.last_error, ECONNREFUSED);
}

TEST_F(JournaldSinkTest, MissingSocketIsUnavailableAndCounted) {
  const Seen seen = in_private_journal(false, [](JournaldSink& sink) { sink.write(conflict_event()); }, 0);
  EXPECT_FALSE(seen.available_before);
  EXPECT_EQ(seen.errors, 1u);
  EXPECT_EQ(seen.last_error, ENOENT);
}

}  // namespace
}  // namespace bindtrace
