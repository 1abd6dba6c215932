// Where decoded events go: JSON lines (the output contract of docs/events.md, encoded by
// format/) or readable text blocks. A sink never throws on hostile input.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "bindtrace/events/events.hpp"

namespace bindtrace {

// The "why"/"fix" lines of text mode.
[[nodiscard]] std::string diagnosis_to_text(const Diagnosis& diagnosis, bool colour);
// "python3 (pid 991, uid 0)" lines and the socket, for text output.
[[nodiscard]] std::string owner_to_text(const Owner& owner, const std::string& indent);
// One readable block, untrusted text escaped; colour codes only when colour.
[[nodiscard]] std::string event_to_text(const Event& event, bool colour);
// A storm count (record "aggregate" in docs/events.md) as one text line.
[[nodiscard]] std::string aggregate_to_text(const EventAggregate& aggregate);

struct HookResult;

// Where the pipeline's records go, one call at a time (the pipeline
// serialises them). Events always; storm counts and hook results where the
// sink shows them.
class Sink {
 public:
  virtual ~Sink() = default;
  virtual void write(const Event& event) = 0;
  virtual void write_aggregate(const EventAggregate& aggregate) { (void)aggregate; }
  virtual void write_hook(const HookResult& result) { (void)result; }
  virtual void flush() {}
};

class JsonLinesSink : public Sink {
 public:
  explicit JsonLinesSink(std::FILE* out) : out_(out) {}
  void write(const Event& event) override;
  void flush() override;

 private:
  std::FILE* out_;
};

class TextSink : public Sink {
 public:
  TextSink(std::FILE* out, bool colour) : out_(out), colour_(colour) {}
  void write(const Event& event) override;
  void flush() override;

 private:
  std::FILE* out_;
  bool colour_;
};

}  // namespace bindtrace
