// The Prometheus endpoint over real TCP: scraped by a plain HTTP/1.1 client
// (what Prometheus sends), 404 for other paths, a clear error when the port
// is taken, and the port released on stop.
#include "bindtrace/sinks/metrics_server.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "bindtrace/errors.hpp"
#include "bindtrace/sinks/metrics.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

UniqueFd tcp_socket(int family) {
  UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  // A bound on waiting for a server that never answers, not a timing goal.
  const timeval limit{10, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  return fd;
}

bool connect_loopback(const UniqueFd& fd, int family, std::uint16_t port) {
  if (family == AF_INET6) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    sin6.sin6_addr = in6addr_loopback;
    return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) == 0;
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
}

// One request on its own connection; nullopt when the connection fails.
std::optional<HttpResponse> http_request(std::uint16_t port, const std::string& method,
                                         const std::string& path, int family = AF_INET) {
  UniqueFd fd = tcp_socket(family);
  if (!connect_loopback(fd, family, port)) return std::nullopt;
  const std::string request = method + " " + path +
                              " HTTP/1.1\r\nHost: localhost\r\nUser-Agent: bindtrace-test\r\n"
                              "Accept: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  if (::send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    return std::nullopt;
  std::string raw;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd.get(), buf, sizeof(buf), 0)) > 0) raw.append(buf, static_cast<std::size_t>(n));

  HttpResponse response;
  const auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return std::nullopt;
  response.status = std::stoi(raw.substr(9, 3));
  std::size_t pos = raw.find("\r\n") + 2;
  while (pos < head_end) {
    const auto eol = raw.find("\r\n", pos);
    const std::string line = raw.substr(pos, eol - pos);
    const auto colon = line.find(':');
    std::string name = line.substr(0, colon);
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    response.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    pos = eol + 2;
  }
  response.body = raw.substr(head_end + 4);
  return response;
}

// A listening socket on 127.0.0.1, port chosen by the kernel.
UniqueFd hold_port(std::uint16_t& port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(sin);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  EXPECT_EQ(::listen(fd.get(), 1), 0);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len);
  port = ntohs(sin.sin_port);
  return fd;
}

// Our own listening TCP socket on `port`, found among the process's fds.
std::optional<int> listening_fd_on(std::uint16_t port) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return std::nullopt;
  std::optional<int> found;
  while (dirent* entry = ::readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    sockaddr_storage ss{};
    socklen_t len = sizeof(ss);
    int listening = 0;
    socklen_t optlen = sizeof(listening);
    if (entry->d_name[0] == '.' || ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) continue;
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) != 0 || !listening) continue;
    if (ss.ss_family == AF_INET && ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port) == port) found = fd;
  }
  ::closedir(dir);
  return found;
}

TEST(MetricsServer, ServesTheCurrentExpositionAtMetrics) {
  Metrics metrics;
  MetricsServer server("127.0.0.1:0", [&metrics] { return metrics.render(); });
  server.start();
  ASSERT_NE(server.port(), 0);
  ASSERT_NE(server.port(), 0);

  Event e;
  e.err = 98;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "0.0.0.0";
  e.endpoint.port = 8001;
  metrics.count_event(e);

  const auto response = http_request(server.port(), "GET", "/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response->headers.at("content-length"), std::to_string(response->body.size()));
  EXPECT_EQ(response->body, metrics.render());
  EXPECT_NE(
      response->body.find("bindtrace_failures_total{event=\"bind_failed\",error=\"EADDRINUSE\",port=\"8001\","
                          "service=\"\"} 1\n"),
      std::string::npos)
      << response->body;
}

TEST(MetricsServer, RootPointsToMetrics) {
  MetricsServer server("127.0.0.1:0", [] { return std::string("bindtrace_up 1\n"); });
  server.start();
  const auto response = http_request(server.port(), "GET", "/");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("/metrics"), std::string::npos);
  EXPECT_EQ(std::count(response->body.begin(), response->body.end(), '\n'), 1) << "one line";
}

TEST(MetricsServer, OtherPathsAndMethodsAre404) {
  MetricsServer server("127.0.0.1:0", [] { return std::string("bindtrace_up 1\n"); });
  server.start();
  for (const auto& [method, path] :
       {std::pair{"GET", "/nope"}, {"GET", "/metrics/x"}, {"POST", "/metrics"}}) {
    const auto response = http_request(server.port(), method, path);
    ASSERT_TRUE(response) << method << " " << path;
    EXPECT_EQ(response->status, 404) << method << " " << path;
  }
}

TEST(MetricsServer, ServesOnIpv6Loopback) {
  UniqueFd probe(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_addr = in6addr_loopback;
  if (!probe || ::bind(probe.get(), reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)) != 0)
    GTEST_SKIP() << "no IPv6 loopback on this host (::1 cannot be bound)";
  probe.reset();

  MetricsServer server("[::1]:0", [] { return std::string("bindtrace_up 1\n"); });
  server.start();
  const auto response = http_request(server.port(), "GET", "/metrics", AF_INET6);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "bindtrace_up 1\n");
}

TEST(MetricsServer, TakenPortIsARuntimeErrorNamingTheAddress) {
  std::uint16_t port = 0;
  const UniqueFd holder = hold_port(port);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  MetricsServer server(address, [] { return std::string(); });
  try {
    server.start();
    FAIL() << "start() bound a port another socket listens on";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()), "--metrics: cannot listen on " + address + ": Address already in use");
  }
}

TEST(MetricsServer, UnresolvableHostIsARuntimeError) {
  MetricsServer server("no-such-host.invalid:9464", [] { return std::string(); });
  try {
    server.start();
    FAIL() << "start() listened on an unresolvable host";
  } catch (const RuntimeError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("--metrics: cannot listen on no-such-host.invalid:9464: ", 0), 0u)
        << e.what();
  }
}

TEST(MetricsServer, StopReleasesThePort) {
  std::uint16_t port = 0;
  {
    MetricsServer first("127.0.0.1:0", [] { return std::string(); });
    first.start();
    port = first.port();
    first.stop();
    first.stop();  // idempotent
  }
  EXPECT_FALSE(http_request(port, "GET", "/metrics")) << "still accepting after stop";
  MetricsServer second("127.0.0.1:" + std::to_string(port), [] { return std::string("again\n"); });
  ASSERT_NO_THROW(second.start());
  const auto response = http_request(port, "GET", "/metrics");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "again\n");
}

TEST(MetricsServer, DestructorStopsServing) {
  std::uint16_t port = 0;
  {
    MetricsServer server("127.0.0.1:0", [] { return std::string(); });
    server.start();
    port = server.port();
  }
  EXPECT_FALSE(http_request(port, "GET", "/metrics"));
}

TEST(MetricsServer, ListeningSocketIsNotInheritedByHooks) {
  MetricsServer server("127.0.0.1:0", [] { return std::string(); });
  server.start();
  const std::optional<int> fd = listening_fd_on(server.port());
  ASSERT_TRUE(fd) << "no listening socket on port " << server.port();
  EXPECT_NE(::fcntl(*fd, F_GETFD) & FD_CLOEXEC, 0);
}

TEST(MetricsServer, BadAddressIsAUsageErrorBeforeAnyBind) {
  EXPECT_THROW(MetricsServer("9464", [] { return std::string(); }), UsageError);
}

}  // namespace
}  // namespace bindtrace
