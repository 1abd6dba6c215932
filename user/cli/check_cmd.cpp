// `bindtrace check PORT|RANGE ... [--from FILE]`: a pre-deployment check.
// Exit 0 when every port is free, 1 when any is taken (each holder named).
#include <cstdio>

#include "bindtrace/errors.hpp"
#include "bindtrace/capture/capture.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "bindtrace/proc/proc_file.hpp"
#include "bindtrace/sinks.hpp"
#include "cli/commands.hpp"

namespace bindtrace {
namespace {

std::vector<PortSpec> ports_from_file(const std::string& path) {
  // A .env or compose file is small; /dev/zero or a log would never end.
  constexpr std::size_t kMaxBytes = 1 << 20;
  const auto read = read_proc_file(path, kMaxBytes + 1);
  if (!read) throw UsageError("--from: cannot read '" + escape_for_terminal(path) + "'");
  if (read->size() > kMaxBytes) throw UsageError("--from: '" + escape_for_terminal(path) + "' is larger than 1 MiB");
  const std::string& content = *read;
  const bool compose = path.ends_with(".yml") || path.ends_with(".yaml") ||
                       content.find("services:") != std::string::npos;
  return compose ? ports_from_compose(content, path) : ports_from_env(content, path);
}

}  // namespace

int run_check(const CliRequest& request) {
  std::vector<PortSpec> ports = request.ports;
  if (!request.from_file.empty()) {
    std::vector<PortSpec> found = ports_from_file(request.from_file);
    if (found.empty()) throw UsageError("--from: no published ports found in '" + escape_for_terminal(request.from_file) + "'");
    ports.insert(ports.end(), found.begin(), found.end());
  }

  set_libbpf_verbose(request.verbose);  // libbpf's own messages only under -v
  OwnerResolver resolver(port_lookup_options(request));
  bool any_taken = false;
  for (const PortSpec& spec : ports) {
    const Owner owner = resolver.resolve_port(spec.proto, spec.port, request.trace.capture.filter.netns);
    // Only TIME_WAIT left: free for a server that sets SO_REUSEADDR (most do).
    const bool taken = !owner.sockets.empty() && owner.kind != OwnerKind::time_wait;
    any_taken = any_taken || taken;
    if (request.json) {
      JsonWriter w;
      w.begin_object();
      w.member("proto", proto_name(spec.proto));
      w.member("port", spec.port);
      w.member("free", !taken);
      if (!spec.origin.empty()) w.member("origin", spec.origin);
      if (!owner.sockets.empty()) {
        w.key("owner");
        write_owner(w, owner);
      }
      if (taken)
        write_verdict(w, judge_taken_port(spec.proto, spec.port, request.trace.capture.filter.netns, owner));
      if (!owner.sockets.empty()) write_holders_from(w, resolver);
      w.end_object();
      std::puts(w.take().c_str());
      continue;
    }
    const std::string origin = spec.origin.empty() ? "" : "  (" + escape_for_terminal(spec.origin) + ")";
    const std::string head = std::to_string(spec.port) + "/" + std::string(proto_name(spec.proto));
    if (!taken) {
      std::printf("%-11s free%s%s\n", head.c_str(),
                  owner.kind == OwnerKind::time_wait ? " (TIME_WAIT only: bind needs SO_REUSEADDR)" : "",
                  origin.c_str());
      continue;
    }
    const TakenPortVerdict verdict = judge_taken_port(spec.proto, spec.port, request.trace.capture.filter.netns, owner);
    std::printf("%-11s TAKEN %s%s\n%s%s", head.c_str(), owner.state.c_str(), origin.c_str(),
                diagnosis_to_text(verdict.diagnosis, false).c_str(), owner_to_text(owner, "  ").c_str());
  }
  std::fflush(stdout);
  return any_taken ? 1 : 0;
}

}  // namespace bindtrace
