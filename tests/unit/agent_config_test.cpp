// The agent's TOML configuration: defaults, every key, the shipped example,
// and errors that point at FILE:LINE:COLUMN of the offending value.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <regex>
#include <string>

#include "bindtrace/agent/config.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "real_parts.hpp"

namespace bindtrace {
namespace {

using std::chrono::milliseconds;

// The ConfigError message thrown by `action`, or "" when none was thrown.
std::string config_error(const std::function<void()>& action) {
  try {
    action();
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

std::string parse_error(std::string_view text) {
  return config_error([&] { (void)parse_agent_config(text, "agent.toml"); });
}

// Field by field: FilterSpec and ActionOptions have no operator==.
void expect_same(const AgentConfig& got, const AgentConfig& want) {
  EXPECT_EQ(got.filter.ports, want.filter.ports);
  EXPECT_EQ(got.filter.errnos, want.filter.errnos);
  EXPECT_EQ(got.filter.pid, want.filter.pid);
  EXPECT_EQ(got.filter.comm, want.filter.comm);
  EXPECT_EQ(got.filter.cgroup_id, want.filter.cgroup_id);
  EXPECT_EQ(got.filter.cgroup_level, want.filter.cgroup_level);
  EXPECT_EQ(got.filter.cgroup_path, want.filter.cgroup_path);
  EXPECT_EQ(got.filter.netns, want.filter.netns);
  EXPECT_EQ(got.filter.all_binds, want.filter.all_binds);
  EXPECT_EQ(got.resolve_owner, want.resolve_owner);
  EXPECT_EQ(got.owner_path, want.owner_path);
  EXPECT_EQ(got.ringbuf_bytes, want.ringbuf_bytes);
  EXPECT_EQ(got.batched, want.batched);
  EXPECT_EQ(got.key_budget, want.key_budget);
  EXPECT_EQ(got.attach, want.attach);
  EXPECT_EQ(got.log.path, want.log.path);
  EXPECT_EQ(got.log.max_bytes, want.log.max_bytes);
  EXPECT_EQ(got.log.keep, want.log.keep);
  EXPECT_EQ(got.log.fsync, want.log.fsync);
  EXPECT_EQ(got.log.enabled, want.log.enabled);
  EXPECT_EQ(got.metrics.enabled, want.metrics.enabled);
  EXPECT_EQ(got.metrics.address, want.metrics.address);
  EXPECT_EQ(got.metrics.max_series, want.metrics.max_series);
  EXPECT_EQ(got.journald.enabled, want.journald.enabled);
  EXPECT_EQ(got.recorder.enabled, want.recorder.enabled);
  EXPECT_EQ(got.recorder.slots, want.recorder.slots);
  EXPECT_EQ(got.recorder.pin_dir, want.recorder.pin_dir);
  EXPECT_EQ(got.actions.exec, want.actions.exec);
  EXPECT_EQ(got.actions.hook_timeout, want.actions.hook_timeout);
  EXPECT_EQ(got.actions.hook_concurrency, want.actions.hook_concurrency);
  EXPECT_EQ(got.actions.act, want.actions.act);
  EXPECT_EQ(got.actions.grace, want.actions.grace);
  EXPECT_EQ(got.actions.allow_comm, want.actions.allow_comm);
  EXPECT_EQ(got.actions.allow_unit, want.actions.allow_unit);
  EXPECT_EQ(got.actions.allow_uid, want.actions.allow_uid);
  EXPECT_EQ(got.actions.allow_port, want.actions.allow_port);
  EXPECT_EQ(got.actions.rate_limit, want.actions.rate_limit);
  EXPECT_EQ(got.actions.dry_run, want.actions.dry_run);
}

TEST(AgentConfig, EmptyTextGivesTheDefaults) {
  const AgentConfig config = parse_agent_config("", "agent.toml");
  EXPECT_EQ(config.source, "agent.toml");
  expect_same(config, AgentConfig{});
  // The documented defaults themselves.
  EXPECT_FALSE(config.filter.has_port_filter());
  EXPECT_TRUE(config.resolve_owner);
  EXPECT_EQ(config.ringbuf_bytes, 8u << 20);
  EXPECT_EQ(config.key_budget, 200u);
  EXPECT_EQ(config.log.path, "/var/log/bindtrace/events.jsonl");
  EXPECT_EQ(config.log.max_bytes, 64ull << 20);
  EXPECT_EQ(config.metrics.address, "127.0.0.1:9464");
  EXPECT_EQ(config.recorder.slots, 4096u);
  EXPECT_EQ(config.actions.act, ActKind::none);
}

TEST(AgentConfig, EmptyTablesKeepTheDefaults) {
  const AgentConfig config = parse_agent_config(
      "[filter]\n[owner]\n[capture]\n[log]\n[metrics]\n[journald]\n[recorder]\n[actions]\n", "agent.toml");
  expect_same(config, AgentConfig{});
}

TEST(AgentConfig, ExampleConfigParsesToTheDefaults) {
  const std::string path = std::string(BINDTRACE_SOURCE_DIR) + "/deploy/bindtrace.toml";
  const AgentConfig config = load_agent_config(path);
  EXPECT_EQ(config.source, path);
  expect_same(config, AgentConfig{});
}

TEST(AgentConfig, ExampleConfigNamesEveryKey) {
  // Each key the parser knows appears in the example, so it documents them all.
  const std::string example =
      testing::read_file(std::string(BINDTRACE_SOURCE_DIR) + "/deploy/bindtrace.toml");
  for (const char* key : {"[filter]",
                          "ports =",
                          "errno =",
                          "comm =",
                          "pid =",
                          "cgroup =",
                          "netns =",
                          "all =",
                          "[owner]",
                          "resolve =",
                          "path =",
                          "[capture]",
                          "ringbuf_size =",
                          "batch =",
                          "key_budget =",
                          "attach =",
                          "[log]",
                          "enabled =",
                          "max_size =",
                          "keep =",
                          "fsync =",
                          "[metrics]",
                          "address =",
                          "max_series =",
                          "[journald]",
                          "[recorder]",
                          "slots =",
                          "pin_dir =",
                          "[actions]",
                          "exec =",
                          "exec_timeout =",
                          "hook_concurrency =",
                          "act =",
                          "grace =",
                          "allow_comm =",
                          "allow_unit =",
                          "allow_uid =",
                          "allow_port =",
                          "rate_limit =",
                          "dry_run ="}) {
    EXPECT_NE(example.find(std::string("\n") + key), std::string::npos) << key;
  }
}

TEST(AgentConfig, EveryKeyIsRead) {
  const AgentConfig config = parse_agent_config(R"(
[filter]
ports = ["8000", "9000-9002", 7000]
errno = ["EADDRINUSE", 13]
comm = "uvicorn"
pid = 1234
netns = 4026531840
all = true

[owner]
resolve = false
path = "sock_diag"

[capture]
ringbuf_size = "16M"
batch = true
key_budget = 0
attach = "kprobe"

[log]
path = "/srv/log/events.jsonl"
max_size = "1G"
keep = 0
fsync = true
enabled = false

[metrics]
enabled = true
address = "[::1]:9100"
max_series = 50

[journald]
enabled = true

[recorder]
enabled = false
slots = 64
pin_dir = "/sys/fs/bpf/other"

[actions]
exec = "logger -t bindtrace"
exec_timeout = "3s"
hook_concurrency = 2
act = "stop-unit"
grace = "250ms"
allow_comm = ["uvicorn"]
allow_unit = ["backend.service"]
allow_uid = [1000, 0]
allow_port = [8000]
rate_limit = "5m"
dry_run = true
)",
                                                "agent.toml");
  EXPECT_EQ(config.filter.ports.count(), 5u);
  EXPECT_TRUE(config.filter.ports.test(8000));
  EXPECT_TRUE(config.filter.ports.test(9002));
  EXPECT_TRUE(config.filter.ports.test(7000));
  EXPECT_EQ(config.filter.errnos.count(), 2u);
  EXPECT_TRUE(config.filter.errnos.test(98));
  EXPECT_TRUE(config.filter.errnos.test(13));
  EXPECT_EQ(config.filter.comm, "uvicorn");
  EXPECT_EQ(config.filter.pid, 1234u);
  EXPECT_EQ(config.filter.netns, 4026531840u);
  EXPECT_TRUE(config.filter.all_binds);
  EXPECT_FALSE(config.resolve_owner);
  EXPECT_EQ(config.owner_path, OwnerSource::sock_diag);
  EXPECT_EQ(config.ringbuf_bytes, 16u << 20);
  EXPECT_TRUE(config.batched);
  EXPECT_EQ(config.key_budget, 0u);
  EXPECT_EQ(config.attach, Tier::kprobe);
  EXPECT_EQ(config.log.path, "/srv/log/events.jsonl");
  EXPECT_EQ(config.log.max_bytes, 1ull << 30);
  EXPECT_EQ(config.log.keep, 0u);
  EXPECT_TRUE(config.log.fsync);
  EXPECT_FALSE(config.log.enabled);
  EXPECT_TRUE(config.metrics.enabled);
  EXPECT_EQ(config.metrics.address, "[::1]:9100");
  EXPECT_EQ(config.metrics.max_series, 50u);
  EXPECT_TRUE(config.journald.enabled);
  EXPECT_FALSE(config.recorder.enabled);
  EXPECT_EQ(config.recorder.slots, 64u);
  EXPECT_EQ(config.recorder.pin_dir, "/sys/fs/bpf/other");
  EXPECT_EQ(config.actions.exec, "logger -t bindtrace");
  EXPECT_EQ(config.actions.hook_timeout, milliseconds(3000));
  EXPECT_EQ(config.actions.hook_concurrency, 2u);
  EXPECT_EQ(config.actions.act, ActKind::stop_unit);
  EXPECT_EQ(config.actions.grace, milliseconds(250));
  EXPECT_EQ(config.actions.allow_comm, std::vector<std::string>{"uvicorn"});
  EXPECT_EQ(config.actions.allow_unit, std::vector<std::string>{"backend.service"});
  EXPECT_EQ(config.actions.allow_uid, (std::vector<std::uint32_t>{1000, 0}));
  EXPECT_EQ(config.actions.allow_port, std::vector<std::uint16_t>{8000});
  EXPECT_EQ(config.actions.rate_limit, milliseconds(300000));
  EXPECT_TRUE(config.actions.dry_run);
}

TEST(AgentConfig, AutoChoicesLeaveTheChoiceOpen) {
  const AgentConfig config =
      parse_agent_config("[owner]\npath = \"auto\"\n[capture]\nattach = \"auto\"\n", "agent.toml");
  EXPECT_FALSE(config.owner_path.has_value());
  EXPECT_FALSE(config.attach.has_value());
}

TEST(AgentConfig, CgroupIsResolvedUnderTheCgroup2Mount) {
  const std::string root = find_cgroup2_mount();
  if (root.empty()) GTEST_SKIP() << "no cgroup2 mount on this machine";
  struct stat st {};
  ASSERT_EQ(stat(root.c_str(), &st), 0);
  const AgentConfig config = parse_agent_config("[filter]\ncgroup = \"/\"\n", "agent.toml");
  EXPECT_EQ(config.filter.cgroup_id, st.st_ino);
  EXPECT_EQ(config.filter.cgroup_path, "/");
}

TEST(AgentConfig, MissingCgroupPointsAtTheValue) {
  const std::string root = find_cgroup2_mount();
  if (root.empty()) GTEST_SKIP() << "no cgroup2 mount on this machine";
  EXPECT_EQ(parse_error("[filter]\ncgroup = \"no-such.slice\"\n"),
            "agent.toml:2:10: [filter] cgroup: 'no-such.slice' is not a cgroup v2 directory under " + root);
}

TEST(AgentConfig, SyntaxErrorNamesFileLineAndColumn) {
  // toml++ places the column where it gave up (here the end of "tru").
  const std::string error = parse_error("[filter]\nall = tru\n");
  EXPECT_TRUE(std::regex_match(error, std::regex(R"(agent\.toml:2:[0-9]+: .*boolean.*)"))) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST(AgentConfig, DuplicateKeyIsASyntaxError) {
  const std::string error = parse_error("[log]\nkeep = 1\nkeep = 2\n");
  EXPECT_TRUE(error.starts_with("agent.toml:3:")) << error;
}

TEST(AgentConfig, UnknownKeySuggestsTheNearestKnownKey) {
  EXPECT_EQ(parse_error("[filter]\nprots = [\"8000\"]\n"),
            "agent.toml:2:1: unknown key 'prots' in [filter] (did you mean 'ports'?)");
}

TEST(AgentConfig, UnknownKeyFarFromEveryKnownKeyHasNoSuggestion) {
  EXPECT_EQ(parse_error("[log]\n  rotation = 3\n"), "agent.toml:2:3: unknown key 'rotation' in [log]");
}

TEST(AgentConfig, UnknownTableSuggestsTheNearestTable) {
  EXPECT_EQ(parse_error("[filtr]\nports = []\n"),
            "agent.toml:1:2: unknown table [filtr] (did you mean [filter]?)");
}

TEST(AgentConfig, TopLevelKeyIsUnknown) {
  EXPECT_EQ(parse_error("verbose = true\n"), "agent.toml:1:1: unknown key 'verbose'");
}

TEST(AgentConfig, SubTableInsideASectionIsAnUnknownKey) {
  EXPECT_EQ(parse_error("[filter.extra]\nx = 1\n"), "agent.toml:1:9: unknown key 'extra' in [filter]");
}

TEST(AgentConfig, BadPortPointsAtThatValue) {
  EXPECT_EQ(parse_error("[filter]\nports = [\"8000\", \"70000\"]\n"),
            "agent.toml:2:18: [filter] ports: '70000' is not a port or range (0-65535, e.g. 8000-8099)");
}

TEST(AgentConfig, BadErrnoPointsAtThatValue) {
  EXPECT_EQ(parse_error("[filter]\nerrno = [\"EADDRINUSE\", \"ENOPE\"]\n"),
            "agent.toml:2:24: [filter] errno: 'ENOPE' is not an errno name or number");
}

TEST(AgentConfig, EmptyOrZeroFilterValuesMeanAny) {
  const AgentConfig config =
      parse_agent_config("[filter]\ncomm = \"\"\npid = 0\nnetns = \"\"\ncgroup = \"\"\n", "agent.toml");
  expect_same(config, AgentConfig{});
}

TEST(AgentConfig, KeyBudgetIsBounded) {
  EXPECT_NE(parse_error("[capture]\nkey_budget = -1\n").find("key_budget"), std::string::npos);
  EXPECT_NE(parse_error("[capture]\nkey_budget = 10000001\n").find("key_budget"), std::string::npos);
  EXPECT_NE(parse_error("[capture]\nkey_budget = \"200\"\n").find("an integer"), std::string::npos);
}

TEST(AgentConfig, WrongTypeNamesTheExpectedType) {
  EXPECT_EQ(parse_error("[capture]\nbatch = \"yes\"\n"),
            "agent.toml:2:9: [capture] batch: expected a boolean (true or false), got a string");
  EXPECT_EQ(parse_error("[filter]\nports = \"8000\"\n"),
            "agent.toml:2:9: [filter] ports: expected an array, got a string");
  EXPECT_EQ(parse_error("[log]\nkeep = 1.5\n"),
            "agent.toml:2:8: [log] keep: expected an integer, got a float");
  EXPECT_EQ(parse_error("filter = 1\n"), "agent.toml:1:10: [filter]: expected a table, got an integer");
}

TEST(AgentConfig, BadDurationIsRejected) {
  EXPECT_EQ(parse_error("[actions]\ngrace = \"10 parsecs\"\n"),
            "agent.toml:2:9: [actions] grace: '10 parsecs' is not a duration (e.g. 250ms, 30s, 5m, 1h)");
  EXPECT_EQ(parse_error("[actions]\nrate_limit = \"0s\"\n"),
            "agent.toml:2:14: [actions] rate_limit: '0s' must be longer than zero");
}

TEST(AgentConfig, PlainNumberDurationIsSeconds) {
  const AgentConfig config = parse_agent_config("[actions]\nexec_timeout = 7\n", "agent.toml");
  EXPECT_EQ(config.actions.hook_timeout, milliseconds(7000));
}

TEST(AgentConfig, BadSizeIsRejected) {
  EXPECT_EQ(parse_error("[log]\nmax_size = \"64X\"\n"),
            "agent.toml:2:12: [log] max_size: '64X' is not a size (e.g. 256K, 64M, 1G)");
  EXPECT_EQ(parse_error("[capture]\nringbuf_size = \"3M\"\n"),
            "agent.toml:2:16: [capture] ringbuf_size: '3M' must be a power of two from 4K to 1G");
  EXPECT_EQ(parse_error("[log]\nmax_size = 99999999999999999\n"),
            "agent.toml:2:12: [log] max_size: '99999999999999999' must be from 4K to 1024G");
}

TEST(AgentConfig, SizesTakeUnitsOrBytes) {
  const AgentConfig config =
      parse_agent_config("[capture]\nringbuf_size = 65536\n[log]\nmax_size = \"256K\"\n", "agent.toml");
  EXPECT_EQ(config.ringbuf_bytes, 65536u);
  EXPECT_EQ(config.log.max_bytes, 256u << 10);
}

TEST(AgentConfig, RecorderSlotsMustBeAPowerOfTwo) {
  EXPECT_EQ(parse_error("[recorder]\nslots = 1000\n"),
            "agent.toml:2:9: [recorder] slots: 1000 is not a power of two");
  EXPECT_EQ(parse_error("[recorder]\nslots = 32\n"),
            "agent.toml:2:9: [recorder] slots: 32 is outside 64-65536");
}

TEST(AgentConfig, PathsMustBeAbsolute) {
  EXPECT_EQ(parse_error("[log]\npath = \"events.jsonl\"\n"),
            "agent.toml:2:8: [log] path: 'events.jsonl' is not an absolute path");
}

// The agent removes everything in an incompatible pin directory: it must be
// its own directory on bpffs, never /etc or the bpffs root.
TEST(AgentConfig, PinDirOutsideBpffsIsRejected) {
  const std::string etc = parse_error("[recorder]\npin_dir = \"/etc\"\n");
  EXPECT_EQ(etc.rfind("agent.toml:2:11: [recorder] pin_dir: '/etc' ", 0), 0u) << etc;
  const std::string root = parse_error("[recorder]\npin_dir = \"/sys/fs/bpf\"\n");
  EXPECT_NE(root.find("root of a bpf filesystem"), std::string::npos) << root;
}

TEST(AgentConfig, UnknownChoiceListsTheChoices) {
  EXPECT_EQ(parse_error("[owner]\npath = \"proc\"\n"),
            "agent.toml:2:8: [owner] path: 'proc' is not one of auto, index, iterators, sock_diag");
  EXPECT_EQ(
      parse_error("[capture]\nattach = \"uprobe\"\n"),
      "agent.toml:2:10: [capture] attach: 'uprobe' is not one of auto, fentry, kprobe, tracepoint, raw");
}

TEST(AgentConfig, ActWithoutAllowListIsRejected) {
  EXPECT_EQ(parse_error("[actions]\ndry_run = true\nact = \"stop-owner\"\n"),
            "agent.toml:3:7: [actions] act = 'stop-owner' needs at least one allow_* entry");
}

TEST(AgentConfig, ActWithOneAllowEntryIsAccepted) {
  const AgentConfig config =
      parse_agent_config("[actions]\nact = \"stop-owner\"\nallow_uid = [1000]\n", "agent.toml");
  EXPECT_EQ(config.actions.act, ActKind::stop_owner);
}

TEST(AgentConfig, ActNoneNeedsNoAllowList) {
  const AgentConfig config = parse_agent_config("[actions]\nact = \"none\"\n", "agent.toml");
  EXPECT_EQ(config.actions.act, ActKind::none);
}

TEST(AgentConfig, AllowEntriesAreValidated) {
  EXPECT_EQ(parse_error("[actions]\nallow_port = [0]\n"),
            "agent.toml:2:15: [actions] allow_port: 0 is outside 1-65535");
  EXPECT_EQ(parse_error("[actions]\nallow_comm = [\"a-very-long-command\"]\n"),
            "agent.toml:2:15: [actions] allow_comm: 'a-very-long-command' must be 1 to 15 bytes");
  EXPECT_EQ(parse_error("[actions]\nallow_uid = [-1]\n"),
            "agent.toml:2:14: [actions] allow_uid: -1 is outside 0-4294967294");
}

TEST(AgentConfig, BlankExecIsRejected) {
  EXPECT_EQ(parse_error("[actions]\nexec = \"  \"\n"),
            "agent.toml:2:8: [actions] exec: the command is empty (use \"\" for no hook)");
}

TEST(AgentConfig, MetricsAddressOffDisablesMetrics) {
  const AgentConfig config =
      parse_agent_config("[metrics]\naddress = \"off\"\nenabled = true\n", "agent.toml");
  EXPECT_FALSE(config.metrics.enabled);
}

TEST(AgentConfig, BadMetricsAddressIsRejected) {
  EXPECT_EQ(parse_error("[metrics]\naddress = \"127.0.0.1:0\"\n"),
            "agent.toml:2:11: [metrics] address: '127.0.0.1:0' needs a port from 1 to 65535");
  EXPECT_EQ(parse_error("[metrics]\naddress = \"::1:9464\"\n"),
            "agent.toml:2:11: [metrics] address: '::1:9464' is not HOST:PORT");
}

TEST(AgentConfig, HostileBytesInStringsAreEscapedInErrors) {
  // An escape sequence inside a value, and raw invalid UTF-8 in the text.
  const std::string in_value = parse_error("[filter]\ncomm = \"\\u001b[2J\\u0007x\\u202e-padding\"\n");
  EXPECT_TRUE(in_value.starts_with("agent.toml:2:8: [filter] comm: ")) << in_value;
  const std::string raw = parse_error(std::string("[filter]\ncomm = \"\xff\x1b[2J\"\n"));
  EXPECT_TRUE(raw.starts_with("agent.toml:2:")) << raw;
  for (const std::string& message : {in_value, raw}) {
    for (const char c : message) {
      EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 || c == 0x7f) << message;
    }
  }
}

TEST(AgentConfig, HostileKeyNamesAreEscapedInErrors) {
  const std::string error = parse_error("[filter]\n\"\\u001b]0;x\\u0007\" = 1\n");
  EXPECT_TRUE(error.starts_with("agent.toml:2:1: unknown key '\\x1b]0;x\\x07' in [filter]")) << error;
}

TEST(AgentConfig, LoadNamesTheFileInErrors) {
  const testing::TempDir dir("agent-config");
  const std::string path = dir.path() + "/bindtrace.toml";
  std::ofstream(path) << "[metrics]\nmax_series = 0\n";
  EXPECT_EQ(config_error([&] { (void)load_agent_config(path); }),
            path + ":2:14: [metrics] max_series: 0 is outside 1-1000000");
}

TEST(AgentConfig, UnreadableFileSaysWhy) {
  EXPECT_EQ(config_error([] { (void)load_agent_config("/nonexistent/bindtrace.toml"); }),
            "/nonexistent/bindtrace.toml: cannot read: No such file or directory");
  const testing::TempDir dir("agent-config-dir");
  EXPECT_EQ(config_error([&] { (void)load_agent_config(dir.path()); }),
            dir.path() + ": cannot read: Is a directory");
}

}  // namespace
}  // namespace bindtrace
