// Integration-test support: the BPF availability gate (skip outside CI, fail
// under CI), and a Tracer running in a background thread that collects
// the events it sees.
#pragma once

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/capture/tracer.hpp"

namespace bindtrace::testing {

// Any non-empty CI (true, 1, yes: what CI systems set) means CI.
inline bool under_ci() {
  const char* ci = std::getenv("CI");
  return ci && *ci != '\0';
}

inline std::optional<std::string> bpf_unavailable_reason() {
  const KernelFacts facts = probe_kernel_facts();
  if (!facts.can_trace()) return missing_privilege_message(facts);
  if (!facts.btf) return std::string("no kernel BTF at /sys/kernel/btf/vmlinux");
  return std::nullopt;
}

// Outside CI a missing capability skips with the exact reason; under CI (any
// non-empty CI) it fails.
#define BINDTRACE_REQUIRE_BPF()                                                       \
  do {                                                                                \
    if (auto why_ = ::bindtrace::testing::bpf_unavailable_reason()) {                 \
      if (::bindtrace::testing::under_ci()) FAIL() << "CI is set, but " << *why_;      \
      GTEST_SKIP() << *why_;                                                          \
    }                                                                                 \
  } while (0)

// A port that was free a moment ago in both TCP and UDP: the kernel's choice
// for port 0 in `type`, kept only when the other protocol can bind it too.
// Tests ask about the other protocol on the same number ("free" in TCP while a
// UDP socket holds it), and a UDP port 0 can be the local port of a TCP
// TIME_WAIT left by another test's connection.
inline std::uint16_t free_port(int type = SOCK_STREAM) {
  const int other = type == SOCK_STREAM ? SOCK_DGRAM : SOCK_STREAM;
  auto bind_to = [](int fd, std::uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    return ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  };
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int fd = ::socket(AF_INET, type, 0);
    sockaddr_in sin{};
    socklen_t len = sizeof(sin);
    bind_to(fd, 0);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
    const std::uint16_t port = ntohs(sin.sin_port);
    const int probe = ::socket(AF_INET, other, 0);
    const bool both = bind_to(probe, port);
    ::close(probe);
    ::close(fd);
    if (both) return port;
  }
  throw std::runtime_error("no port free in both TCP and UDP after 64 tries");
}

class TraceHarness {
 public:
  explicit TraceHarness(TraceOptions options) : tracer_(prepare(std::move(options))) {
    tier_ = tracer_.attach();
    std::promise<void> done;
    stopped_ = done.get_future();
    thread_ = std::thread([this, done = std::move(done)]() mutable {
      tracer_.run([this](const Event& e) {
        std::lock_guard lock(mutex_);
        events_.push_back(e);
        cv_.notify_all();
      });
      done.set_value();
    });
  }
  ~TraceHarness() {
    tracer_.stop();
    // The tracer checks for stop at every poll (20 ms): a loop still running
    // after 30 s is hung, and waiting longer would only hide it.
    if (stopped_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      std::fprintf(stderr, "TraceHarness: the tracer did not stop within 30 s of stop()\n");
      std::abort();
    }
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] Tier tier() const { return tier_; }
  Tracer& tracer() { return tracer_; }

  // The first event matching `pred`, waiting up to `timeout`.
  std::optional<Event> wait_for(const std::function<bool(const Event&)>& pred,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::unique_lock lock(mutex_);
    std::optional<Event> found;
    cv_.wait_for(lock, timeout, [&] {
      for (const Event& e : events_)
        if (pred(e)) {
          found = e;
          return true;
        }
      return false;
    });
    return found;
  }

  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  static TraceOptions prepare(TraceOptions options) {
    options.poll_interval_ms = 20;
    return options;
  }

  Tracer tracer_;
  Tier tier_{};
  std::future<void> stopped_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

inline TraceOptions options_for(std::optional<Tier> tier, std::initializer_list<std::uint16_t> ports = {}) {
  TraceOptions o;
  o.attach = tier;
  o.capture.ringbuf_bytes = 1u << 20;
  for (auto p : ports) o.capture.filter.ports.set(p);
  return o;
}

}  // namespace bindtrace::testing
