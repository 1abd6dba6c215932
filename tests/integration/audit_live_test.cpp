// `bindtrace audit` against real running parts: a real supervisord reading the
// audited configuration, a process started from an audited unit's command line
// in that unit's cgroup, an ad-hoc copy of a configured program holding its
// port, and `nginx -t` accepting the nginx configuration audit reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cgroup_fixture.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace testing;
using json = nlohmann::json;

constexpr const char* kPython = "/usr/bin/python3";

struct AuditRun {
  int exit_code = -1;
  json report;
  std::string text;
};

AuditRun audit(const std::vector<std::string>& args) {
  std::vector<std::string> argv{BINDTRACE_BINARY, "audit", "--json"};
  argv.insert(argv.end(), args.begin(), args.end());
  Child bt(argv);
  AuditRun run;
  run.text = all_output(bt);
  run.exit_code = wait_within(bt, 30s);
  run.report = json::parse(run.text, nullptr, false);
  return run;
}

// The declarations of `port` in the report's full list.
std::vector<json> declarations_of(const json& report, std::uint16_t port) {
  std::vector<json> out;
  for (const json& d : report["declarations"])
    if (d["port"] == port) out.push_back(d);
  return out;
}

// The python http.server a unit or program runs, on `port`.
std::string http_server(std::uint16_t port) {
  return std::string(kPython) + " -m http.server " + std::to_string(port);
}

TEST(AuditLive, TheProgramARealSupervisordRunsFromTheAuditedFileIsRunningNotAConflict) {
  const std::uint16_t port = free_port();
  Supervisord supervisord({http_server(port), "", ""});
  const pid_t program = supervisord.program_pid();
  ASSERT_GT(program, 0) << supervisord.log();
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << supervisord.log();

  const AuditRun run = audit({"--live", supervisord.conf()});
  ASSERT_FALSE(run.report.is_discarded()) << run.text;
  EXPECT_EQ(run.exit_code, 0) << run.text;
  EXPECT_TRUE(run.report["conflicts"].empty()) << run.text;
  EXPECT_EQ(run.report["live"]["checked"], true);
  const std::vector<json> ds = declarations_of(run.report, port);
  ASSERT_EQ(ds.size(), 1u) << run.text;
  EXPECT_EQ(ds[0]["manager"], "supervisor");
  EXPECT_EQ(ds[0]["name"], "backend");
  EXPECT_EQ(ds[0]["file"], supervisord.conf());
  EXPECT_EQ(ds[0]["running_pid"], program) << run.text;

  // Without the live check nothing is said to run.
  const AuditRun offline = audit({"--no-live", supervisord.conf()});
  EXPECT_EQ(offline.exit_code, 0);
  EXPECT_TRUE(declarations_of(offline.report, port).at(0)["running_pid"].is_null()) << offline.text;
  EXPECT_EQ(offline.report["live"]["checked"], false);
}

TEST(AuditLive, AHandStartedCopyOfAConfiguredProgramIsAConflictNamedWithItsPid) {
  const std::uint16_t port = free_port();
  TempDir dir("audit-live");
  const std::string conf = dir.path() + "/docs.conf";
  std::ofstream(conf) << "[program:docs]\ncommand=" << http_server(port) << "\n";
  Child orphan({kPython, "-m", "http.server", std::to_string(port)}, {.pipe_stdin = true});
  ASSERT_TRUE(eventually([&] { return can_connect(port); }));

  const AuditRun run = audit({conf});  // the host: live by default
  ASSERT_FALSE(run.report.is_discarded()) << run.text;
  EXPECT_EQ(run.exit_code, 1) << run.text;
  ASSERT_EQ(run.report["conflicts"].size(), 1u) << run.text;
  const json& c = run.report["conflicts"][0];
  EXPECT_EQ(c["port"], port);
  EXPECT_EQ(c["code"], "duplicate_manager") << run.text;
  ASSERT_EQ(c["declarations"].size(), 2u);
  EXPECT_EQ(c["declarations"][0]["file"], conf);
  EXPECT_TRUE(c["declarations"][0]["running_pid"].is_null());
  EXPECT_EQ(c["declarations"][1]["source"], "listening now");
  EXPECT_EQ(c["declarations"][1]["running_pid"], orphan.pid());
  EXPECT_EQ(c["declarations"][1]["program"], "python3 -m http.server " + std::to_string(port));
  bool kill_remedy = false;
  for (const json& r : c["remedies"])
    kill_remedy = kill_remedy || r == "kill " + std::to_string(orphan.pid()) + " (python3)";
  EXPECT_TRUE(kill_remedy) << c["remedies"].dump();
  orphan.signal(SIGTERM);
  wait_within(orphan, 10s);
}

using AuditLiveUnit = CgroupFixture;

// Two enabled units start the same server; one runs now, in its unit's cgroup.
TEST_F(AuditLiveUnit, AProcessInTheAuditedUnitsCgroupRunsItAndASecondUnitConflictsWithIt) {
  const std::uint16_t port = free_port();
  TempDir root("audit-root");
  const std::string unit = "bt-audit-" + tag_ + ".service";
  const std::string other = "bt-audit-other-" + tag_ + ".service";
  const std::string units = root.path() + "/etc/systemd/system";
  fs::create_directories(units + "/multi-user.target.wants");
  for (const std::string& name : {unit, other})
    std::ofstream(units + "/" + name) << "[Service]\nExecStart=" << http_server(port)
                                      << "\n[Install]\nWantedBy=multi-user.target\n";
  for (const std::string& name : {unit, other})
    fs::create_symlink(units + "/" + name, units + "/multi-user.target.wants/" + name);

  Child server({kPython, "-m", "http.server", std::to_string(port)},
               {.cgroup_procs = cgroups_->make("/system.slice/" + unit), .pipe_stdin = true});
  ASSERT_TRUE(eventually([&] { return can_connect(port); }));

  const AuditRun run = audit({"--root", root.path(), "--live"});
  ASSERT_FALSE(run.report.is_discarded()) << run.text;
  EXPECT_EQ(run.exit_code, 1) << run.text;
  ASSERT_EQ(run.report["conflicts"].size(), 1u) << run.text;
  EXPECT_EQ(run.report["conflicts"][0]["declarations"].size(), 2u) << run.text;
  const std::vector<json> ds = declarations_of(run.report, port);
  ASSERT_EQ(ds.size(), 2u) << run.text;
  for (const json& d : ds) {
    if (d["name"] == unit) {
      EXPECT_EQ(d["running_pid"], server.pid()) << run.text;
      EXPECT_EQ(d["enabled"], true);
    } else {
      EXPECT_EQ(d["name"], other);
      EXPECT_TRUE(d["running_pid"].is_null()) << run.text;
    }
  }
  server.signal(SIGTERM);
  wait_within(server, 10s);
}

TEST(AuditLive, NginxAcceptsTheConfigurationAuditReads) {
  const std::string nginx = "/usr/sbin/nginx";
  if (!fs::exists(nginx)) {
    if (under_ci()) FAIL() << "CI is set, but nginx is not installed (scripts/setup.sh installs it)";
    GTEST_SKIP() << "nginx is not installed";
  }
  const std::string root = std::string(BINDTRACE_FIXTURES_DIR) + "/audit/clean";
  TempDir logs("nginx-t");
  Child check({nginx, "-t", "-q", "-c", root + "/etc/nginx/nginx.conf", "-g",
               "error_log " + logs.path() + "/error.log; pid " + logs.path() + "/nginx.pid;"});
  const std::string out = all_output(check);
  EXPECT_EQ(wait_within(check, 20s), 0) << out << check.drain_stderr();

  const AuditRun run = audit({"--root", root, "--no-live"});
  EXPECT_EQ(run.exit_code, 0) << run.text;
  std::vector<std::string> listens;
  for (const json& d : run.report["declarations"])
    if (d["name"] == "nginx")
      listens.push_back(d["file"].get<std::string>() + ":" + std::to_string(d["line"].get<int>()) + " " +
                        d["address"].get<std::string>() + " " + std::to_string(d["port"].get<int>()) +
                        (d["commented"] == true ? " commented" : ""));
  const std::vector<std::string> expected = {"/etc/nginx/sites-enabled/default:2  80",
                                             "/etc/nginx/sites-enabled/default:3 :: 80",
                                             "/etc/nginx/sites-enabled/default:7  80",
                                             "/etc/nginx/sites-enabled/default:9  8001 commented"};
  EXPECT_EQ(listens, expected) << run.text;
}

}  // namespace
}  // namespace bindtrace
