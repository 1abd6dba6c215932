// The kernel's listener index as the owner stage sees it: port -> the process
// that called listen(). Implemented by the capture (bpf/state.bpf.c's map);
// owner/ depends on this interface only, never on the capture itself.
#pragma once

#include <chrono>
#include <optional>

#include "bindtrace/abi.h"

namespace bindtrace {

class ListenerIndex {
 public:
  virtual ~ListenerIndex() = default;
  // False when the index could not be loaded (the lookups then fall back).
  [[nodiscard]] virtual bool has_listener_index() const noexcept = 0;
  [[nodiscard]] virtual std::optional<bt_listener> lookup_listener(const bt_listener_key& key) const = 0;
  // Waits until the index holds the listeners that existed before it was
  // loaded (its start-up walk ran); false on timeout (lookups then fall back).
  [[nodiscard]] virtual bool wait_until_ready(std::chrono::milliseconds /*timeout*/) const { return true; }
};

}  // namespace bindtrace
