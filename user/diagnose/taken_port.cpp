// diagnose_taken_port(): `who` and `check` ask about a port, not a failure.
// The question is put as the failure it would be (a bind to the wildcard
// address failing with EADDRINUSE) so the same rules answer it.
#include <cerrno>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace {

Diagnosis diagnose_taken_port(Proto proto, std::uint16_t port, const Owner& owner,
                              const std::vector<std::uint16_t>& alternatives) {
  Event event;
  event.op = Op::bind;
  event.err = EADDRINUSE;
  event.proto = proto;
  event.endpoint.family = Family::ipv4;
  event.endpoint.address = "0.0.0.0";
  event.endpoint.port = port;
  event.owner = owner;
  event.alternatives = alternatives;
  return diagnose(event, DiagnosisContext{});
}

}  // namespace bindtrace
