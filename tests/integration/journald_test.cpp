// JournaldSink against a real AF_UNIX datagram socket bound where journald
// listens (/run/systemd/journal/socket): the datagram is read back and its
// native-protocol fields checked (KEY=VALUE\n, or KEY\n<le64 size><data>\n
// for a value holding a newline). Needs root to bind under /run; skipped when
// a real journald owns the path.
#include "bindtrace/sinks/journald.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/sinks.hpp"
#include "bindtrace/unique_fd.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;

struct Field {
  std::string value;
  bool binary = false;  // sent as KEY\n<le64 size><data>\n
};

// Parses one native-protocol datagram the way journald does; fails the test
// on anything malformed.
std::multimap<std::string, Field> parse_native(const std::string& datagram) {
  std::multimap<std::string, Field> fields;
  std::size_t pos = 0;
  while (pos < datagram.size()) {
    const std::size_t nl = datagram.find('\n', pos);
    if (nl == std::string::npos) {
      ADD_FAILURE() << "field without a terminating newline at offset " << pos;
      break;
    }
    const std::size_t eq = datagram.find('=', pos);
    if (eq != std::string::npos && eq < nl) {
      fields.emplace(datagram.substr(pos, eq - pos), Field{datagram.substr(eq + 1, nl - eq - 1), false});
      pos = nl + 1;
      continue;
    }
    const std::string key = datagram.substr(pos, nl - pos);
    if (datagram.size() < nl + 1 + 8) {
      ADD_FAILURE() << key << ": binary field without its size";
      break;
    }
    std::uint64_t size = 0;
    for (int i = 7; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(datagram[nl + 1 + i]);
    const std::size_t data = nl + 1 + 8;
    if (datagram.size() < data + size + 1 || datagram[data + size] != '\n') {
      ADD_FAILURE() << key << ": binary field of " << size << " bytes overruns the datagram";
      break;
    }
    fields.emplace(key, Field{datagram.substr(data, size), true});
    pos = data + size + 1;
  }
  return fields;
}

std::vector<std::string> values_of(const std::multimap<std::string, Field>& fields, const std::string& key) {
  std::vector<std::string> out;
  for (auto [it, end] = fields.equal_range(key); it != end; ++it) out.push_back(it->second.value);
  return out;
}

std::string only(const std::multimap<std::string, Field>& fields, const std::string& key) {
  const auto values = values_of(fields, key);
  EXPECT_EQ(values.size(), 1u) << key;
  return values.empty() ? std::string() : values.front();
}

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

// Binds a datagram socket at journald's path for the test, and removes it
// (and the directories it had to create) afterwards.
class JournaldSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (JournaldSink::available())
      GTEST_SKIP() << "a real journald listens at " << JournaldSink::kSocketPath
                   << "; this test binds its own socket there";
    if (::geteuid() != 0) {
      if (testing::under_ci()) FAIL() << "CI=true, but not root (binding under /run/systemd needs it)";
      GTEST_SKIP() << "not root: cannot bind " << JournaldSink::kSocketPath;
    }
    const fs::path path(JournaldSink::kSocketPath);
    for (const fs::path& dir : {path.parent_path().parent_path(), path.parent_path()}) {
      if (fs::exists(dir)) continue;
      fs::create_directory(dir);
      created_dirs_.push_back(dir);
    }
    receiver_ = bind_at_path();
    ASSERT_TRUE(receiver_) << "cannot bind " << JournaldSink::kSocketPath << ": " << std::strerror(errno);
  }

  void TearDown() override {
    receiver_.reset();
    if (bound_) ::unlink(JournaldSink::kSocketPath);
    for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it) ::rmdir(it->c_str());
  }

  UniqueFd bind_at_path() {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::strncpy(sun.sun_path, JournaldSink::kSocketPath, sizeof(sun.sun_path) - 1);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) return UniqueFd();
    bound_ = true;
    // A bound on waiting for a datagram that never comes, not a timing goal.
    const timeval limit{10, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    return fd;
  }

  std::optional<std::string> receive() {
    std::string buf(1 << 20, '\0');
    const ssize_t n = ::recv(receiver_.get(), buf.data(), buf.size(), MSG_TRUNC);
    if (n < 0) return std::nullopt;
    EXPECT_LE(static_cast<std::size_t>(n), buf.size()) << "datagram truncated";
    buf.resize(std::min(buf.size(), static_cast<std::size_t>(n)));
    return buf;
  }

  std::multimap<std::string, Field> send_and_receive(const Event& event) {
    JournaldSink sink;
    sink.write(event);
    EXPECT_EQ(sink.errors(), 0u) << "errno " << sink.last_error();
    const auto datagram = receive();
    EXPECT_TRUE(datagram) << "no datagram: " << std::strerror(errno);
    return datagram ? parse_native(*datagram) : std::multimap<std::string, Field>{};
  }

  UniqueFd receiver_;
  bool bound_ = false;
  std::vector<fs::path> created_dirs_;
};

TEST_F(JournaldSinkTest, AvailableOnceTheSocketExists) {
  EXPECT_TRUE(JournaldSink::available());
}

TEST_F(JournaldSinkTest, OneEntryWithTheSummaryAndEveryField) {
  const Event event = conflict_event();
  const auto fields = send_and_receive(event);
  EXPECT_EQ(only(fields, "MESSAGE"),
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
  for (const auto& [key, value] : expected) EXPECT_EQ(only(fields, key), value) << key;
  const std::string json = only(fields, "BINDTRACE_JSON");
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(json), nlohmann::json::parse(event_to_json_line(event)));
}

TEST_F(JournaldSinkTest, HostileCommCannotForgeFieldsOrBreakTheMessage) {
  Event event = conflict_event();
  event.process.comm = "evil\nMESSAGE=forged\n\xff";
  const auto fields = send_and_receive(event);
  EXPECT_EQ(values_of(fields, "MESSAGE").size(), 1u);
  const std::string message = only(fields, "MESSAGE");
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find("evil\\nMESSAGE=forged\\n"), std::string::npos) << message;
  const auto comm = fields.find("BINDTRACE_COMM");
  ASSERT_NE(comm, fields.end());
  EXPECT_TRUE(comm->second.binary) << "a value with a newline goes length-prefixed";
  EXPECT_EQ(comm->second.value, to_valid_utf8(event.process.comm));
  for (const auto& [key, field] : fields) EXPECT_EQ(to_valid_utf8(field.value), field.value) << key;
}

TEST_F(JournaldSinkTest, EveryHolderHasAnOwnerPidField) {
  Event event = conflict_event();
  Holder second;
  second.pid = 13;
  second.comm = "nginx";
  event.owner->holders.push_back(second);
  const auto fields = send_and_receive(event);
  EXPECT_EQ(values_of(fields, "BINDTRACE_OWNER_PID"), (std::vector<std::string>{"12", "13"}));
  EXPECT_NE(only(fields, "MESSAGE").find("owner nginx[12] +1 more"), std::string::npos);
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
  const auto fields = send_and_receive(event);
  EXPECT_FALSE(fields.contains("BINDTRACE_PORT"));
  EXPECT_FALSE(fields.contains("BINDTRACE_SERVICE"));
  EXPECT_FALSE(fields.contains("BINDTRACE_OWNER_PID"));
  EXPECT_FALSE(fields.contains("BINDTRACE_DIAGNOSIS"));
  EXPECT_EQ(only(fields, "BINDTRACE_ADDR"), "/run/app.sock");
  EXPECT_EQ(only(fields, "MESSAGE"), "bind_failed EADDRINUSE unix /run/app.sock by python3[991]");
}

TEST_F(JournaldSinkTest, RefusedSendIsCountedNotThrown) {
  receiver_.reset();  // the path stays, nobody reads it: a stale socket
  JournaldSink sink;
  ASSERT_NO_THROW(sink.write(conflict_event()));
  ASSERT_NO_THROW(sink.write(conflict_event()));
  EXPECT_EQ(sink.errors(), 2u);
  EXPECT_EQ(sink.last_error(), ECONNREFUSED);
}

TEST_F(JournaldSinkTest, MissingSocketIsUnavailableAndCounted) {
  receiver_.reset();
  ASSERT_EQ(::unlink(JournaldSink::kSocketPath), 0);
  bound_ = false;
  EXPECT_FALSE(JournaldSink::available());
  JournaldSink sink;
  sink.write(conflict_event());
  EXPECT_EQ(sink.errors(), 1u);
  EXPECT_EQ(sink.last_error(), ENOENT);
}

}  // namespace
}  // namespace bindtrace
