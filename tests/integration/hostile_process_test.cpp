// A traced process that attacks the terminal: its comm, argv (escape
// sequences, invalid UTF-8, empty arguments, a 100 KB argument), a 4 MiB
// argument area, its executable's and working directory's names and its unix
// socket names all carry control bytes. Traced by the real binary: text
// output carries none of them, JSON stays valid and round-trips, `who` and
// the agent's log too, and every run ends by itself.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "bindtrace/events/escape.hpp"
#include "expected_text.hpp"
#include "process.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using testing::Child;
using testing::free_port;
using testing::testprog;

// Clear screen, bell, invalid UTF-8, CR, a C1 CSI: 13 bytes of the 15 a comm holds.
const std::string kComm =
    "\x1b[2J\a\xc3\x28\xff\r\x9b"
    "31m";
const std::string kDirName = "d\x1b[31m\a\r\xff";
const std::string kExeName = "bt\x1b]0;x\a\xfe";
const std::string kUnixName = "s\x1b[31m\a\r\n";
// An abstract name with NUL bytes inside: "\0bt\e[2J\0\a\xff" after the leading NUL.
const std::string kAbstractHex = "0062741b5b324a0007ff";
const std::string kAbstractName = std::string("\0bt\x1b[2J\0\a\xff", 10);
constexpr std::size_t kBigArgs = 4 << 20;

std::vector<std::string> hostile_argv() {
  return {"\x1b]0;owned\a", "", "\xff\xfe", "", "\x1b[2J\r\n", std::string(100000, 'A') + "\x1b[5m"};
}

// Every line the child prints until it exits.
std::string read_all(Child& child) {
  std::string out;
  while (auto line = child.read_line()) out += *line + "\n";
  return out;
}

// No byte a terminal acts on: C0 controls but '\n', DEL; and valid UTF-8, so
// no C1 control (a lone 0x9b is CSI on some terminals) survives either.
void expect_terminal_safe(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    ASSERT_FALSE((b < 0x20 && b != '\n') || b == 0x7f)
        << "control byte 0x" << std::hex << int(b) << " at " << std::dec << i << " in:\n"
        << text;
  }
  EXPECT_TRUE(testing::is_valid_utf8(text)) << "invalid UTF-8 reached the terminal";
}

std::vector<nlohmann::json> parse_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    try {
      lines.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << "not JSON (" << e.what() << "): " << line;
    }
  }
  return lines;
}

std::string raw_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw(1 << 20, '\0');
  in.read(raw.data(), static_cast<std::streamsize>(raw.size()));
  raw.resize(static_cast<std::size_t>(in.gcount()));
  return raw;
}

class HostileProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    char dir[] = "/tmp/bt-hostile-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
    dir_ = root_ / kDirName;
    fs::create_directory(dir_);
    exe_ = dir_ / kExeName;
    fs::copy_file(testprog("bt_hostile"), exe_);
    fs::permissions(exe_, fs::perms::owner_all);
    port_ = free_port();
  }
  void TearDown() override {
    if (!pin_dir_.empty()) {
      Child unpin({BINDTRACE_BINARY, "unpin", "--pin-dir", pin_dir_});
      unpin.wait();
    }
    if (!root_.empty()) fs::remove_all(root_);
  }

  // bt_hostile under its hostile name, in its hostile directory, with its comm.
  std::vector<std::string> hostile(const std::string& action, std::vector<std::string> env,
                                   const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv = {"env", "BT_PORT=" + std::to_string(port_), "BT_COMM=" + kComm,
                                     "BT_CWD=" + dir_.string()};
    argv.insert(argv.end(), env.begin(), env.end());
    argv.push_back(exe_.string());
    argv.push_back(action);
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // The holder (hostile argv), up before the tracer.
  std::unique_ptr<Child> start_holder() {
    auto holder =
        std::make_unique<Child>(hostile("hold", {}, hostile_argv()), Child::Options{.pipe_stdin = true});
    EXPECT_TRUE(holder->expect_line("ready")) << holder->drain_stderr();
    return holder;
  }

  // The failing process: tcp, unix path and abstract name, a 4 MiB argument area.
  std::unique_ptr<Child> start_failer() {
    auto failer = std::make_unique<Child>(
        hostile("fail", {"BT_BIG_ARGS=" + std::to_string(kBigArgs), "BT_UNIX_PATH=" + unix_path(),
                         "BT_ABSTRACT=" + kAbstractHex}),
        Child::Options{.pipe_stdin = true});
    EXPECT_TRUE(failer->expect_line("bigargs")) << "PR_SET_MM_MAP refused";
    EXPECT_TRUE(failer->expect_line("ready")) << failer->drain_stderr();
    return failer;
  }

  std::string unix_path() const { return (root_ / kUnixName).string(); }

  fs::path root_, dir_, exe_;
  std::uint16_t port_ = 0;
  std::string pin_dir_;
};

TEST_F(HostileProcessTest, TextOutputCarriesNoControlByteFromTheProcess) {
  auto holder = start_holder();
  Child bt({BINDTRACE_BINARY, "--comm", kComm, "--max-events", "3", "--color", "never"});
  ASSERT_TRUE(bt.read_err_line());
  auto failer = start_failer();

  const std::string out = read_all(bt);
  EXPECT_EQ(bt.wait(), 0);  // --max-events ends it: nothing blocked
  expect_terminal_safe(out);
  EXPECT_NE(out.find(escape_for_terminal(kComm)), std::string::npos) << out;
  EXPECT_NE(out.find(escape_for_terminal(unix_path())), std::string::npos) << out;
  EXPECT_NE(out.find(escape_for_terminal("@" + kAbstractName)), std::string::npos) << out;
  expect_terminal_safe(bt.drain_stderr());
}

TEST_F(HostileProcessTest, JsonLinesParseAndTheFieldsRoundTripAsValidUtf8) {
  auto holder = start_holder();
  Child bt({BINDTRACE_BINARY, "--json", "--comm", kComm, "--max-events", "3"});
  ASSERT_TRUE(bt.read_err_line());
  auto failer = start_failer();
  const std::string failer_cmdline = testing::cmdline_as_shown(raw_cmdline(failer->pid()));
  const std::string holder_cmdline = testing::cmdline_as_shown(raw_cmdline(holder->pid()));

  const std::vector<nlohmann::json> events = parse_lines(read_all(bt));
  EXPECT_EQ(bt.wait(), 0);
  ASSERT_EQ(events.size(), 3u);

  const nlohmann::json& tcp = events[0];
  EXPECT_EQ(tcp["process"]["pid"], failer->pid());
  EXPECT_EQ(tcp["process"]["comm"], testing::with_replacements(kComm));
  // The 4 MiB argument area, completed from /proc and cut to 4 KiB with "...".
  EXPECT_EQ(tcp["process"]["cmdline"], testing::with_replacements(failer_cmdline));
  EXPECT_FALSE(tcp["process"].contains("cmdline_truncated"));
  EXPECT_EQ(tcp["process"]["exe"], testing::with_replacements(exe_.string()));
  EXPECT_EQ(tcp["process"]["cwd"], testing::with_replacements(dir_.string()));
  ASSERT_TRUE(tcp.contains("owner")) << tcp.dump();
  ASSERT_EQ(tcp["owner"]["holders"].size(), 1u) << tcp.dump();
  EXPECT_EQ(tcp["owner"]["holders"][0]["comm"], testing::with_replacements(kComm));
  EXPECT_EQ(tcp["owner"]["holders"][0]["cmdline"], testing::with_replacements(holder_cmdline));

  EXPECT_EQ(events[1]["family"], "unix");
  EXPECT_EQ(events[1]["addr"], testing::with_replacements(unix_path()));
  EXPECT_EQ(events[2]["addr"], testing::with_replacements("@" + kAbstractName));
}

TEST_F(HostileProcessTest, WhoOnTheHoldersPortEscapesTextAndKeepsJsonValid) {
  auto holder = start_holder();
  Child who({BINDTRACE_BINARY, "who", std::to_string(port_) + "/tcp"});
  const std::string text = read_all(who);
  EXPECT_EQ(who.wait(), 0);
  expect_terminal_safe(text);
  EXPECT_NE(text.find("\\x1b]0;owned\\x07"), std::string::npos) << text;  // the holder's argv, escaped

  Child who_json({BINDTRACE_BINARY, "who", "--json", std::to_string(port_) + "/tcp"});
  const std::vector<nlohmann::json> lines = parse_lines(read_all(who_json));
  EXPECT_EQ(who_json.wait(), 0);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["owner"]["holders"].size(), 1u) << lines[0].dump();
  EXPECT_EQ(lines[0]["owner"]["holders"][0]["comm"], testing::with_replacements(kComm));
  EXPECT_EQ(lines[0]["owner"]["holders"][0]["cmdline"],
            testing::with_replacements(testing::cmdline_as_shown(raw_cmdline(holder->pid()))));
}

TEST_F(HostileProcessTest, TheAgentsLogStaysValidJson) {
  pin_dir_ = "/sys/fs/bpf/bt-hostile-" + std::to_string(::getpid());
  const fs::path log = root_ / "events.jsonl";
  auto holder = start_holder();
  Child agent({BINDTRACE_BINARY, "agent", "--log", log.string(), "--pin-dir", pin_dir_, "--metrics", "off",
               "--comm", kComm});
  bool attached = false;
  while (auto line = agent.read_err_line())
    if (line->find("attached") != std::string::npos) {
      attached = true;
      break;
    }
  ASSERT_TRUE(attached) << agent.drain_stderr();
  auto failer = start_failer();

  // The agent writes each event as it resolves it; wait for the three.
  auto events_in_log = [&] {
    std::vector<nlohmann::json> events;
    for (const nlohmann::json& j : parse_lines([&] {
           std::ifstream in(log);
           return std::string(std::istreambuf_iterator<char>(in), {});
         }()))
      if (!j.contains("record")) events.push_back(j);
    return events;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (events_in_log().size() < 3 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait(), 0);
  expect_terminal_safe(agent.drain_stderr());

  const std::vector<nlohmann::json> events = events_in_log();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["process"]["comm"], testing::with_replacements(kComm));
  EXPECT_EQ(events[1]["addr"], testing::with_replacements(unix_path()));
  EXPECT_EQ(events[2]["addr"], testing::with_replacements("@" + kAbstractName));
}

}  // namespace
}  // namespace bindtrace
