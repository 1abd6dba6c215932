// What `trace` prints: events as JSON lines or text blocks on stdout, storm
// counts beside them, hook results on stderr, and the failures per endpoint
// for the exit summary. A closed stdout (EPIPE: the reader, e.g. head, is
// gone) ends the output quietly and calls on_closed once.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "bindtrace/sinks.hpp"

namespace bindtrace {

// Failures per endpoint, for the exit summary.
class EndpointTally {
 public:
  void add(const Event& e);
  void add_aggregate(const EventAggregate& a);
  void print(std::FILE* out) const;

 private:
  using Key = std::tuple<std::string, int, std::string>;
  std::map<Key, std::uint64_t> counts_;
};

class TraceOutput final : public Sink {
 public:
  TraceOutput(bool json, bool colour, std::function<void()> on_closed);
  void write(const Event& event) override;
  void write_aggregate(const EventAggregate& aggregate) override;
  void write_hook(const HookResult& result) override;
  void flush() override;

  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] const EndpointTally& tally() const noexcept { return tally_; }

 private:
  bool check_open();

  bool json_;
  std::unique_ptr<Sink> events_;
  std::function<void()> on_closed_;
  bool closed_ = false;
  EndpointTally tally_;
};

}  // namespace bindtrace
