// RestartTracker: how often one program failed on one endpoint within a
// sliding window, the evidence behind the restart_loop flag. Memory is bounded
// twice: by max_keys (the least recently seen key goes first) and by a cap on
// the timestamps kept per key (beyond it the count saturates).
#include <algorithm>
#include <limits>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace {
namespace {

// A crash loop needs a few dozen entries; a failure storm must not grow without bound.
constexpr std::size_t kMaxFailuresPerKey = 4096;

}  // namespace

std::uint32_t RestartTracker::record(const std::string& identity, const std::string& endpoint,
                                     std::uint64_t now_ns) {
  const auto window_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(window_).count());
  // Failures at or before `cutoff` have left the window.
  const std::uint64_t cutoff = now_ns > window_ns ? now_ns - window_ns : 0;
  const bool any_expired = now_ns > window_ns;
  auto expired = [&](std::uint64_t t) { return any_expired && t <= cutoff; };

  auto key = std::make_pair(identity, endpoint);
  auto it = history_.find(key);
  if (it == history_.end()) {
    if (max_keys_ == 0) return 1;
    if (history_.size() >= max_keys_) {
      // Forget keys whose failures all left the window, then the least recently seen ones.
      std::erase_if(history_,
                    [&](const auto& entry) { return entry.second.empty() || expired(entry.second.back()); });
      while (history_.size() >= max_keys_) {
        auto oldest = std::min_element(history_.begin(), history_.end(), [](const auto& a, const auto& b) {
          return a.second.back() < b.second.back();
        });
        history_.erase(oldest);
      }
    }
    it = history_.emplace(std::move(key), std::deque<std::uint64_t>{}).first;
  }

  std::deque<std::uint64_t>& failures = it->second;
  // Events can arrive slightly out of order (per-CPU ring buffer reads): keep the deque sorted.
  failures.insert(std::upper_bound(failures.begin(), failures.end(), now_ns), now_ns);
  while (!failures.empty() && expired(failures.front())) failures.pop_front();
  while (failures.size() > kMaxFailuresPerKey) failures.pop_front();
  return static_cast<std::uint32_t>(
      std::min<std::size_t>(failures.size(), std::numeric_limits<std::uint32_t>::max()));
}

}  // namespace bindtrace
