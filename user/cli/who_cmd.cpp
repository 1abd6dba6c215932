// `bindtrace who [PORT...]`: who holds these ports, or every listening
// socket with its holders (what `ss -ltnp` and `lsof -i` show, plus TIME_WAIT).
// Works without BPF through sock_diag + /proc, and says what it could not see.
#include <unistd.h>

#include <cstdio>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/attribute.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "bindtrace/sinks.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

// One JSON line per port: proto, port, held, then owner, diagnosis and
// alternatives when held.
void print_port_json(std::string_view proto, std::uint16_t port, bool held, const Owner* owner,
                     const TakenPortVerdict* verdict, const OwnerResolver& resolver) {
  JsonWriter w;
  w.begin_object();
  w.member("proto", proto);
  w.member("port", port);
  w.member("held", held);
  if (owner) {
    w.key("owner");
    write_owner(w, *owner);
  }
  if (verdict) write_verdict(w, *verdict);
  if (held) write_holders_from(w, resolver);
  w.end_object();
  std::puts(w.take().c_str());
}

std::string endpoint_of(const SocketEntry& s) {
  Endpoint e;
  e.family = s.family;
  e.address = s.local_addr;
  e.port = s.local_port;
  return escape_for_terminal(to_string(e));
}

void print_visibility_note(const OwnerResolver& resolver) {
  if (!resolver.iterators_unavailable().empty())
    std::fprintf(stderr, "bindtrace: using sock_diag and /proc (%s)\n", resolver.iterators_unavailable().c_str());
  if (::geteuid() != 0)
    std::fprintf(stderr,
                 "bindtrace: not root: answered through sock_diag and /proc; holders in other users' "
                 "processes are not visible\n");
}

int list_all(const CliRequest& request, OwnerResolver& resolver) {
  const std::vector<Owner> owners = resolver.list_listeners(request.trace.capture.filter.netns);
  if (!request.json)
    std::printf("%-5s %-28s %-7s %7s %5s  %-36s %s\n", "proto", "local address", "state", "pid", "uid", "service",
                "command");
  for (const Owner& owner : owners) {
    const SocketEntry& s = owner.sockets.front();
    if (request.json) {
      JsonWriter w;
      w.begin_object();
      w.key("socket");
      write_socket(w, s);
      w.key("owner");
      write_owner(w, owner);
      w.end_object();
      std::puts(w.take().c_str());
      continue;
    }
    const std::string state = s.proto == Proto::udp ? "BOUND" : std::string(tcp_state_name(s.state));
    if (owner.holders.empty()) {
      std::printf("%-5s %-28s %-7s %7s %5u  %-36s %s\n", std::string(proto_name(s.proto)).c_str(),
                  endpoint_of(s).c_str(), state.c_str(), "-", s.uid, "-", "(no visible holder)");
    }
    for (const Holder& h : owner.holders) {
      std::string command = escape_for_terminal(h.cmdline.empty() ? h.comm : h.cmdline);
      if (h.role == HolderRole::worker) command += " (worker of pid " + std::to_string(h.ppid) + ")";
      std::string service(1, '-');
      if (h.service) {
        if (std::string described = describe_service(*h.service); !described.empty())
          service = escape_for_terminal(described);
      }
      std::printf("%-5s %-28s %-7s %7u %5u  %-36s %s\n", std::string(proto_name(s.proto)).c_str(),
                  endpoint_of(s).c_str(), state.c_str(), h.pid, h.uid, service.c_str(), command.c_str());
    }
  }
  std::fflush(stdout);
  print_visibility_note(resolver);
  return 0;
}

}  // namespace

int run_who(const CliRequest& request) {
  set_libbpf_verbose(request.verbose);  // libbpf's own messages only under -v
  OwnerResolver resolver(port_lookup_options(request));
  if (request.ports.empty()) return list_all(request, resolver);

  bool any_free = false;
  for (std::size_t i = 0; i < request.ports.size(); ++i) {
    const PortSpec& spec = request.ports[i];
    std::vector<Proto> protos = {spec.proto};
    if (request.ports_any_proto[i]) protos = {Proto::tcp, Proto::udp};
    bool held = false;
    for (Proto proto : protos) {
      const Owner owner = resolver.resolve_port(proto, spec.port, request.trace.capture.filter.netns);
      const bool this_held = !owner.sockets.empty();
      // A bare PORT asks about both protocols: say "free" once, for both.
      if (!this_held && protos.size() > 1) continue;
      held = held || this_held;
      if (request.json) {
        if (this_held) {
          const TakenPortVerdict verdict = judge_taken_port(proto, spec.port, request.trace.capture.filter.netns, owner);
          print_port_json(proto_name(proto), spec.port, true, &owner, &verdict, resolver);
        } else {
          print_port_json(proto_name(proto), spec.port, false, nullptr, nullptr, resolver);
        }
      } else if (this_held) {
        std::printf("%s/%u  %s", std::string(proto_name(proto)).c_str(), spec.port, owner.state.c_str());
        for (const SocketEntry& s : owner.sockets)
          if (s.state != TcpState::time_wait) {
            std::printf(" %s", endpoint_of(s).c_str());
            break;
          }
        const TakenPortVerdict verdict = judge_taken_port(proto, spec.port, request.trace.capture.filter.netns, owner);
        std::printf("\n%s%s", diagnosis_to_text(verdict.diagnosis, false).c_str(), owner_to_text(owner, "  ").c_str());
      } else {
        std::printf("%s/%u  free\n", std::string(proto_name(proto)).c_str(), spec.port);
      }
    }
    if (!held && protos.size() > 1) {
      if (request.json) {
        print_port_json("any", spec.port, false, nullptr, nullptr, resolver);
      } else {
        std::printf("%u  free (tcp and udp)\n", spec.port);
      }
    }
    any_free = any_free || !held;
  }
  std::fflush(stdout);
  print_visibility_note(resolver);
  return any_free ? 1 : 0;
}

}  // namespace bindtrace
