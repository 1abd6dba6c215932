// bindtrace-http.so: the metrics endpoint over cpp-httplib. The listening
// socket is close-on-exec so hooks the agent runs do not inherit (and hold)
// the metrics port.
#include "bindtrace/sinks/http_endpoint.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>

namespace bindtrace {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
// Scrapes are short; a keep-alive connection would pin a worker thread.
constexpr std::size_t kWorkerThreads = 2;
constexpr time_t kIoTimeoutSeconds = 5;

void listening_socket_options(socket_t fd) {
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  ::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

class HttplibEndpoint final : public HttpEndpoint {
 public:
  explicit HttplibEndpoint(std::function<std::string()> render) : render_(std::move(render)) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
    server_.set_socket_options(listening_socket_options);
    server_.set_keep_alive_max_count(1);
    server_.set_read_timeout(kIoTimeoutSeconds);
    server_.set_write_timeout(kIoTimeoutSeconds);
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(render_(), kMetricsContentType);
    });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<html><body>bindtrace: metrics at <a href=\"/metrics\">/metrics</a></body></html>\n",
                      "text/html; charset=utf-8");
    });
  }

  std::uint16_t bind(const std::string& host, std::uint16_t port) override {
    // The last failing call inside httplib is bind() or listen(); errno is theirs.
    errno = 0;
    if (port == 0) {
      const int bound = server_.bind_to_any_port(host);
      return bound > 0 ? static_cast<std::uint16_t>(bound) : 0;
    }
    return server_.bind_to_port(host, port) ? port : 0;
  }
  void serve() override { server_.listen_after_bind(); }
  bool running() const override { return server_.is_running(); }
  void stop() override { server_.stop(); }

 private:
  std::function<std::string()> render_;
  httplib::Server server_;
};

}  // namespace
}  // namespace bindtrace

extern "C" __attribute__((visibility("default"))) bindtrace::HttpEndpoint* bindtrace_make_http_endpoint(
    std::function<std::string()> render) {
  return new bindtrace::HttplibEndpoint(std::move(render));
}
