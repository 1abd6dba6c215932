// What the attribution integration tests share: attribution of a live
// process as the pipeline does it, test container ids, and the fixture
// (real cgroup directories, the built binary's events).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/attribute.hpp"
#include "bindtrace/proc/snapshot_reader.hpp"
#include "cgroup_fixture.hpp"
#include "process.hpp"

namespace bindtrace::testing {

// A live process as the pipeline attributes it: one snapshot, then the rules.
inline std::optional<Service> attribute_live_process(std::uint32_t pid) {
  const auto snapshot = read_snapshot(pid);
  if (!snapshot || snapshot->exited) return std::nullopt;
  return attribute(*snapshot);
}

inline bool has_note(const Service& service, std::string_view note) {
  return std::find(service.notes.begin(), service.notes.end(), note) != service.notes.end();
}

// A 64-hex container id unique to this test process and `tag` (a hex digit):
// the 12 characters a person sees differ between tests and runs.
inline std::string container_id(char tag) {
  char head[13];
  std::snprintf(head, sizeof(head), "%c%03x%08x", tag, 0xb7u, static_cast<unsigned>(::getpid()));
  return head + std::string("0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d");
}

class AttributionTest : public CgroupFixture {
 protected:
  // The built binary's --json output, one event.
  static std::optional<nlohmann::json> event_from(Child& bt) {
    auto line = bt.read_line(std::chrono::seconds(10));
    if (!line) return std::nullopt;
    return nlohmann::json::parse(*line);
  }
};

}  // namespace bindtrace::testing
