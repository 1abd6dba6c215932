// The owner stage of the pipeline: who blocks the endpoint of one failed
// bind/listen, with a short per-endpoint cache that absorbs bursts, and the
// nearest free ports beside it. Only EADDRINUSE bind/listen failures with a
// port are looked up. Lives on one thread: the resolver may setns it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "bindtrace/events/events.hpp"
#include "bindtrace/owner/resolver.hpp"

namespace bindtrace {

class ListenerIndex;

enum class LookupOutcome { not_needed, resolved, cache_hit, skipped, failed };

class OwnerLookup {
 public:
  OwnerLookup(ResolverOptions options, const ListenerIndex* index,
              std::chrono::milliseconds cache_ttl = std::chrono::milliseconds(250));

  // Sets event.owner (and event.alternatives). With `skip` (the pipeline is
  // behind) the owner says it was not resolved instead of looking.
  LookupOutcome resolve(Event& event, bool skip);
  // The resolver's own counts (index misses while its start-up walk ran, ...).
  [[nodiscard]] const ResolverStats& resolver_stats() const noexcept { return resolver_.stats(); }

 private:
  using CacheKey = std::tuple<std::uint32_t, int, int, std::string, std::uint16_t, bool>;
  struct Cached {
    Owner owner;
    std::chrono::steady_clock::time_point at;
  };

  OwnerResolver resolver_;
  std::chrono::milliseconds cache_ttl_;
  std::map<CacheKey, Cached> cache_;
};

}  // namespace bindtrace
