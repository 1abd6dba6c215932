// The Prometheus scrape endpoint: parse HOST:PORT, bind, serve on a thread.
// The HTTP server itself is the bindtrace-http.so module (http_endpoint.hpp).
#include "bindtrace/sinks/metrics_server.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

// getaddrinfo's own words, since httplib reports a failed lookup as a bare false.
std::optional<std::string> resolve_error(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* result = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &result);
  if (rc != 0) return std::string(::gai_strerror(rc));
  ::freeaddrinfo(result);
  return std::nullopt;
}

bool host_char(char c, bool bracketed) {
  const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
  return word || (bracketed && (c == ':' || c == '%'));
}

}  // namespace

ListenAddress parse_listen_address(std::string_view text) {
  const auto invalid = [text] {
    return UsageError("--metrics: '" + escape_for_terminal(text) + "' is not HOST:PORT");
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) throw invalid();
  std::string_view host = text.substr(0, colon);
  const std::optional<std::uint16_t> port = parse_port(text.substr(colon + 1));
  if (!port) throw invalid();

  const bool bracketed = host.starts_with('[');
  if (bracketed) {
    if (host.size() < 3 || !host.ends_with(']')) throw invalid();
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string_view::npos) throw invalid();  // "[localhost]"
  }
  for (const char c : host)
    if (!host_char(c, bracketed)) throw invalid();  // includes an unbracketed IPv6 address
  return ListenAddress{host.empty() ? std::string("0.0.0.0") : std::string(host), *port};
}

MetricsServer::MetricsServer(const std::string& address, std::function<std::string()> render)
    : address_text_(address), address_(parse_listen_address(address)), render_(std::move(render)) {}

MetricsServer::~MetricsServer() {
  stop();
}

void MetricsServer::start() {
  const auto cannot_listen = [this](const std::string& reason) {
    return RuntimeError("--metrics: cannot listen on " + escape_for_terminal(address_text_) + ": " + reason);
  };
  if (auto error = resolve_error(address_.host)) throw cannot_listen(*error);

  server_ = make_http_endpoint(render_);
  port_ = server_->bind(address_.host, address_.port);
  if (port_ == 0) {
    const int err = errno;
    server_.reset();
    throw cannot_listen(err != 0 ? std::strerror(err) : "bind failed");
  }

  serving_done_ = false;
  thread_ = std::thread([this] {
    server_->serve();
    serving_done_ = true;
  });
  // stop() only takes effect once the accept loop runs, so wait for it.
  while (!server_->running() && !serving_done_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!server_->running()) {
    thread_.join();
    server_.reset();
    throw cannot_listen("the accept loop ended at once");
  }
}

void MetricsServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace bindtrace
