// The owner stage (see include/bindtrace/owner/lookup.hpp).
#include "bindtrace/owner/lookup.hpp"

#include "bindtrace/owner/alternatives.hpp"

namespace bindtrace {

OwnerLookup::OwnerLookup(ResolverOptions options, const ListenerIndex* index, std::chrono::milliseconds cache_ttl)
    : resolver_(std::move(options), index), cache_ttl_(cache_ttl) {}

LookupOutcome OwnerLookup::resolve(Event& event, bool skip) {
  if (!has_blocking_owner(event)) return LookupOutcome::not_needed;
  if (skip) {
    Owner owner;
    owner.reason = "not resolved: more failures than the resolver keeps up with (counted as skipped)";
    event.owner = std::move(owner);
    return LookupOutcome::skipped;
  }
  const CacheKey key{event.netns, static_cast<int>(event.proto), static_cast<int>(event.endpoint.family),
                     event.endpoint.address, event.endpoint.port, event.socket.reuseaddr};
  const auto now = std::chrono::steady_clock::now();
  if (auto it = cache_.find(key); it != cache_.end() && now - it->second.at < cache_ttl_) {
    event.owner = it->second.owner;
    event.alternatives = nearest_free_ports(event);
    return LookupOutcome::cache_hit;
  }
  event.owner = resolver_.resolve(event);
  event.alternatives = nearest_free_ports(event);
  const bool failed = event.owner && event.owner->kind == OwnerKind::unknown;
  if (event.owner && !failed) cache_[key] = Cached{*event.owner, now};
  if (cache_.size() > 4096) cache_.clear();  // bounded: bursts hit a handful of endpoints
  return failed ? LookupOutcome::failed : LookupOutcome::resolved;
}

}  // namespace bindtrace
