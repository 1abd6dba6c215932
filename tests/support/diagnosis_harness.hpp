// What the diagnosis integration tests share: `bindtrace --json` as a child
// that reads events, the event of one failure, lookups in its diagnosis, and
// the DiagnosisTest fixture (real cgroups, python's http.server).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include <pwd.h>

#include "cgroup_fixture.hpp"
#include "process.hpp"
#include "real_parts.hpp"

namespace bindtrace::testing {

using nlohmann::json;
using namespace std::chrono_literals;

// The distribution's interpreter, by absolute path: `python3` on PATH may be a
// pyenv shim (a bash script) on developer machines.
constexpr const char* kPython = "/usr/bin/python3";

// `bindtrace --json --port P --max-events N`, attached.
class Bindtrace {
 public:
  Bindtrace(std::uint16_t port, int max_events, const std::vector<std::string>& extra = {})
      : child_(argv(port, max_events, extra)) {
    auto line = child_.read_err_line(15s);
    attached_ = line && line->find("bindtrace: attached") != std::string::npos;
    if (line) first_err_ = *line;
  }
  ~Bindtrace() {
    if (!waited_) wait_within(child_, 5s);
  }

  [[nodiscard]] bool attached() const { return attached_; }
  [[nodiscard]] const std::string& first_err() const { return first_err_; }

  // The next event, or nullopt.
  std::optional<json> next(std::chrono::milliseconds timeout = 10s) {
    auto line = child_.read_line(timeout);
    if (!line) return std::nullopt;
    if (std::getenv("BT_DIAG_DUMP")) std::fprintf(stderr, "%s\n", line->c_str());  // to read the whole event
    return json::parse(*line);
  }
  int wait() {
    waited_ = true;
    return wait_within(child_, 5s);
  }

 private:
  Child child_;
  bool waited_ = false;

  static std::vector<std::string> argv(std::uint16_t port, int max_events,
                                       const std::vector<std::string>& extra) {
    std::vector<std::string> v{BINDTRACE_BINARY,     "--json",       "--port",
                               std::to_string(port), "--max-events", std::to_string(max_events)};
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  }
  bool attached_ = false;
  std::string first_err_;
};

// Runs `fail`, which makes one call fail on `port`, under `bindtrace --json
// --max-events 1`, and returns that event (nullopt, with the failure added,
// when bindtrace did not attach or printed nothing).
inline std::optional<json> event_of(std::uint16_t port, const std::function<void()>& fail) {
  Bindtrace bt(port, 1);
  if (!bt.attached()) {
    ADD_FAILURE() << "bindtrace did not attach: " << bt.first_err();
    return std::nullopt;
  }
  fail();
  auto e = bt.next();
  if (!e) {
    ADD_FAILURE() << "no event from bindtrace";
    return std::nullopt;
  }
  EXPECT_EQ(bt.wait(), 0);
  return e;
}

inline bool contains(const json& value, const std::string& needle) {
  return value.is_string() && value.get<std::string>().find(needle) != std::string::npos;
}

// The first remedy containing `needle`, or "".
inline std::string remedy_with(const json& event, const std::string& needle) {
  for (const auto& r : event["diagnosis"]["remedies"])
    if (contains(r, needle)) return r.get<std::string>();
  return {};
}

inline bool any_remedy(const json& event, const std::string& needle) {
  return !remedy_with(event, needle).empty();
}

inline std::string summary_of(const json& event) {
  return event["diagnosis"]["summary"].is_string() ? event["diagnosis"]["summary"].get<std::string>() : "";
}

// What `systemctl --user -M X@` needs for `uid`: its login name from the
// passwd database, else the uid itself.
inline std::string login_name_or_uid(std::uint32_t uid) {
  const passwd* entry = ::getpwuid(uid);
  return entry && entry->pw_name && entry->pw_name[0] ? std::string(entry->pw_name) : std::to_string(uid);
}

// ---------------------------------------------------------------------------

class DiagnosisTest : public CgroupFixture {
 protected:
  // `python3 -m http.server PORT` as a person types it, in cgroup `rel`.
  std::unique_ptr<Child> http_server(std::uint16_t port, const std::string& rel = "") {
    Child::Options options;
    if (!rel.empty()) options.cgroup_procs = cgroups_->make(rel);
    return std::make_unique<Child>(
        std::vector<std::string>{kPython, "-m", "http.server", std::to_string(port)}, options);
  }
};

}  // namespace bindtrace::testing
