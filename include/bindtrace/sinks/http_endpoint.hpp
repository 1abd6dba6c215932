// The HTTP server behind the metrics endpoint, as the core sees it. It lives
// in a module of its own (bindtrace-http.so, cpp-httplib with the OpenSSL,
// zlib and brotli it is built with), which only the agent opens: every other
// command starts without loading them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace bindtrace {

class HttpEndpoint {
 public:
  virtual ~HttpEndpoint() = default;
  // Binds HOST:PORT (port 0: the kernel's choice), close-on-exec. Returns the
  // bound port, or 0 with errno set by the failing call.
  virtual std::uint16_t bind(const std::string& host, std::uint16_t port) = 0;
  // Accepts and answers until stop(): GET /metrics -> render(), GET / -> a link there.
  virtual void serve() = 0;
  [[nodiscard]] virtual bool running() const = 0;
  virtual void stop() = 0;
};

// The module's one entry point, looked up by name after dlopen.
using MakeHttpEndpoint = HttpEndpoint* (*)(std::function<std::string()> render);
inline constexpr const char* kHttpModule = "bindtrace-http.so";
inline constexpr const char* kMakeHttpEndpoint = "bindtrace_make_http_endpoint";

// Opens the module (once) and makes an endpoint; throws RuntimeError naming
// where it looked when the module cannot be opened.
[[nodiscard]] std::unique_ptr<HttpEndpoint> make_http_endpoint(std::function<std::string()> render);

}  // namespace bindtrace
