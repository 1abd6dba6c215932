// The HTTP endpoint Prometheus scrapes: GET /metrics returns render(), GET /
// points there, anything else is 404. Serves on its own thread from start()
// until stop() or destruction.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "bindtrace/sinks/http_endpoint.hpp"

namespace bindtrace {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::1" (no brackets), "localhost"; "0.0.0.0" for ":PORT"
  std::uint16_t port = 0;
};

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464", ":9464" (all IPv4
// interfaces); port 0 lets the kernel choose. Throws
// UsageError("--metrics: 'x' is not HOST:PORT").
[[nodiscard]] ListenAddress parse_listen_address(std::string_view text);

class MetricsServer {
 public:
  // address as parse_listen_address reads it; throws its UsageError. Nothing
  // is bound until start().
  MetricsServer(const std::string& address, std::function<std::string()> render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Binds and serves; returns once connections are being accepted. Throws
  // RuntimeError("--metrics: cannot listen on ADDR: reason"). Call once.
  void start();
  // Stops accepting and joins the thread; idempotent.
  void stop();
  // The bound port (the kernel's choice when the address asked for port 0).
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  std::string address_text_;
  ListenAddress address_;
  std::function<std::string()> render_;
  std::unique_ptr<HttpEndpoint> server_;
  std::thread thread_;
  std::atomic<bool> serving_done_{false};
  std::uint16_t port_ = 0;
};

}  // namespace bindtrace
