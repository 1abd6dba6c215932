// The rules for another copy of the same program holding the port
// (instance_rules.hpp): which one it is decides the remedy. Each summary ends
// in the identity evidence (exe, argv, cwd, configuration) behind it.
#include "diagnose/instance_rules.hpp"

#include <string>

#include "diagnose/phrases.hpp"
#include "diagnose/program_identity.hpp"
#include "diagnose/remedies.hpp"
#include "diagnose/text.hpp"

namespace bindtrace::diagnose_detail {
namespace {

// The first holder (not a port forwarder) that compares with the failing process as `want`.
const Holder* holder_that_is(const Owner& owner, const ProgramIdentity& mine, Sameness want) {
  return pick_holder(owner, [&](const Holder& x) {
    return !is_forwarder(x) && compare_programs(identity_of(x), mine).sameness == want;
  });
}

// "; identity: exe /usr/bin/python3.11 and argv match ...", holder first.
std::string evidence_text(const Event& e, const Holder& h) {
  return "; identity: " +
         identity_evidence(compare_programs(identity_of(h), identity_of(e.process)), h.pid, e.process.pid);
}

// "by hand", "by systemd unit x.service".
std::string started_by(const Event& e) {
  return is_interactive(e.process.service) ? "by hand" : "by " + service_phrase(*e.process.service);
}

// Rule 9: the holder is an earlier start of the failing program, not kept by another manager.
Diagnosis stale_instance(const Event& e, const Holder& h, const DiagnosisContext& c) {
  Diagnosis d;
  d.code = DiagnosisCode::stale_instance;
  d.summary = "an earlier instance of the same program (" + program_display(identity_of(h)) + ", pid " +
              std::to_string(h.pid) + started_text(e, h, c.ns_per_clock_tick) + ") still holds " +
              endpoint_text(e);
  if (h.service && h.service->orphaned)
    d.summary += ": it was left behind by a closed terminal (orphaned)";
  else if (h.service && h.service->nohup)
    d.summary += ": it was started with nohup";
  else if (h.service &&
           (h.service->manager == ManagerKind::tmux || h.service->manager == ManagerKind::screen))
    d.summary += ": it still runs in " + h.service->name;
  else if (h.service && !is_interactive(h.service))
    d.summary += ", in the same " + service_phrase(*h.service);
  d.summary += evidence_text(e, h);
  // Kill the instance, not its manager entry: the failing side belongs to the same one.
  d.remedies.push_back(stop_remedy(is_interactive(h.service) ? h.service : std::nullopt, h.pid,
                                   e.endpoint.port, "then retry"));
  d.remedies.push_back(
      with_note("kill -KILL " + std::to_string(h.pid), "only if it is still there after a few seconds"));
  if (h.service && h.service->manager == ManagerKind::systemd && !is_interactive(h.service)) {
    d.remedies.push_back(
        with_note("systemctl show -p KillMode " + shell_quote(h.service->name),
                  "a process from an earlier start survived; KillMode=control-group stops them all"));
  }
  return d;
}

// Rule 10: different managers (or two entries of one) run the same program. Lead with
// stopping the side that failed: it serves nothing, so that costs no downtime and ends
// its restart loop.
Diagnosis duplicate_manager(const Event& e, const Holder& h) {
  Diagnosis d;
  d.code = DiagnosisCode::duplicate_manager;
  const std::uint16_t port = e.endpoint.port;
  const std::string holder_service = service_phrase(*h.service);
  d.summary = program_display(identity_of(h)) + " runs twice: pid " + std::to_string(h.pid) + " under " +
              holder_service + " holds " + endpoint_text(e) + ", and pid " + std::to_string(e.process.pid) +
              " was started " + started_by(e) + evidence_text(e, h);
  if (is_interactive(e.process.service)) {
    if (auto restart = restart_command(*h.service))
      d.remedies.push_back(
          with_note(*restart, "it already runs under " + holder_service + ": restart it there"));
  } else {
    d.remedies.push_back(stop_remedy(e.process.service, e.process.pid, port, "keep " + holder_service));
  }
  d.remedies.push_back(stop_remedy(h.service, h.pid, port,
                                   is_interactive(e.process.service)
                                       ? "or stop the managed copy"
                                       : "or keep " + service_phrase(*e.process.service) + " instead"));
  return d;
}

// "nginx -s reload", with the holder's own -c when it has one.
std::optional<std::string> program_reload(const Holder& h) {
  const ProgramIdentity id = identity_of(h);
  if (program_display(id) != "nginx") return std::nullopt;
  std::string command = "nginx";
  for (std::size_t i = 1; i + 1 < id.argv.size(); ++i) {
    if (id.argv[i] == "-c") {
      const std::string& conf = id.argv[i + 1];
      command += " -c " + shell_quote(conf.starts_with('/') || id.cwd.empty() ? conf : id.cwd + "/" + conf);
      break;
    }
  }
  return command + " -s reload";
}

}  // namespace

std::optional<Diagnosis> same_program_rules(const Event& e, const Owner& owner, const DiagnosisContext& c) {
  const Holder* h = holder_that_is(owner, identity_of(e.process), Sameness::same);
  if (!h) return std::nullopt;
  if (is_interactive(h->service) ||
      (e.process.service && h->service && same_manager_entry(*e.process.service, *h->service)))
    return stale_instance(e, *h, c);
  return duplicate_manager(e, *h);
}

// Rule 11: the same executable started with another configuration (a second nginx with
// -c b.conf while nginx.service runs). Use the running instance, or move this one.
std::optional<Diagnosis> second_instance(const Event& e, const Owner& owner) {
  const Holder* h = holder_that_is(owner, identity_of(e.process), Sameness::other_configuration);
  if (!h) return std::nullopt;
  const IdentityMatch m = compare_programs(identity_of(*h), identity_of(e.process));
  const std::uint16_t port = e.endpoint.port;
  Diagnosis d;
  d.code = DiagnosisCode::second_instance;
  d.summary = "a second instance of " + program_display(identity_of(*h)) +
              " with another configuration (pid " + std::to_string(e.process.pid) + ", started " +
              started_by(e) + ") wants " + endpoint_text(e) + ", which " + holder_text(*h) +
              " already holds" + evidence_text(e, *h);
  // The second instance's configuration file, by the path it names.
  const std::string file = !m.config_file || m.value_b.empty() ? std::string{}
                           : m.resolved_b.empty()              ? m.value_b
                                                               : m.resolved_b;
  const std::string what = file.empty() ? "what it should serve" : "what " + file + " serves";
  const bool managed = !is_interactive(h->service);
  std::optional<std::string> reload = managed ? reload_command(*h->service) : std::nullopt;
  if (!reload) reload = program_reload(*h);
  if (reload) {
    d.remedies.push_back(with_note(*reload, "use the running instance (pid " + std::to_string(h->pid) +
                                                "): move " + what +
                                                " into its configuration, then reload it"));
  } else {
    d.remedies.push_back(stop_remedy(h->service, h->pid, port, "if the first instance is no longer needed"));
  }
  std::string move = "or move the second instance to another port";
  if (!file.empty()) move += ": change the port in " + shell_quote(file);
  if (auto free = free_port_remedy(e)) move += " (" + free->substr(0, free->find(':')) + ")";
  d.remedies.push_back(std::move(move));
  if (!is_interactive(e.process.service)) {
    d.remedies.push_back(stop_remedy(e.process.service, e.process.pid, port,
                                     "or do not run it beside pid " + std::to_string(h->pid)));
  }
  return d;
}

}  // namespace bindtrace::diagnose_detail
