// A taken port as `who` and `check` report it: the diagnosis and the nearest
// free ports, by the same rules as a traced failure.
#include "bindtrace/owner/alternatives.hpp"
#include "bindtrace/diagnose/diagnose.hpp"
#include "bindtrace/format/event_json.hpp"
#include "cli/commands.hpp"

namespace bindtrace {

TakenPortVerdict judge_taken_port(Proto proto, std::uint16_t port, std::uint32_t netns, const Owner& owner) {
  Event would_be;
  would_be.op = Op::bind;
  would_be.err = EADDRINUSE;
  would_be.proto = proto;
  would_be.netns = netns;
  would_be.endpoint.family = Family::ipv4;
  would_be.endpoint.address = "0.0.0.0";
  would_be.endpoint.port = port;
  TakenPortVerdict verdict;
  verdict.alternatives = nearest_free_ports(would_be);
  verdict.diagnosis = diagnose_taken_port(proto, port, owner, verdict.alternatives);
  return verdict;
}

void write_verdict(JsonWriter& w, const TakenPortVerdict& verdict) {
  w.key("diagnosis");
  write_diagnosis(w, verdict.diagnosis);
  if (!verdict.alternatives.empty()) {
    w.key("alternatives");
    write_ports(w, verdict.alternatives);
  }
}

}  // namespace bindtrace
