// The warm `who PORT` figure: one OwnerResolver in one process, resolve_port()
// called repeatedly (what a long-running agent or `check` pays per port after
// the first call). Prints one line:
//   first_ms X median_ms Y p90_ms Z p99_ms W n N held H holders K pid P
// Usage: bt_who_warm PORT [N=50] [tcp|udp]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include "bindtrace/owner/resolver.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PORT [N] [tcp|udp]\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  const int n = argc > 2 ? std::max(1, std::atoi(argv[2])) : 50;
  const bindtrace::Proto proto =
      (argc > 3 && std::strcmp(argv[3], "udp") == 0) ? bindtrace::Proto::udp : bindtrace::Proto::tcp;
  try {
    using clock = std::chrono::steady_clock;
    bindtrace::OwnerResolver resolver{bindtrace::ResolverOptions{}};
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(n));
    double first = 0;
    bindtrace::Owner last;
    for (int i = 0; i <= n; ++i) {
      const auto t0 = clock::now();
      last = resolver.resolve_port(proto, port);
      const double d = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
      if (i == 0) first = d;
      else ms.push_back(d);
    }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * (ms.size() - 1) + 0.5))]; };
    std::printf("first_ms %.3f median_ms %.3f p90_ms %.3f p99_ms %.3f n %d held %d holders %zu pid %u\n", first,
                pct(0.5), pct(0.9), pct(0.99), n, last.sockets.empty() ? 0 : 1, last.holders.size(),
                last.holders.empty() ? 0u : last.holders.front().pid);
    if (!resolver.iterators_unavailable().empty())
      std::fprintf(stderr, "bt_who_warm: iterators unavailable: %s\n", resolver.iterators_unavailable().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bt_who_warm: %s\n", e.what());
    return 1;
  }
  return 0;
}
