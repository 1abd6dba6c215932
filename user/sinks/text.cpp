// One readable block per event. Untrusted text is escaped; colour only when
// the caller says the output is a terminal.
#include <cstdio>

#include "bindtrace/events/clock.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {
namespace {

constexpr const char* kBoldRed = "\x1b[1;31m";
constexpr const char* kBoldGreen = "\x1b[1;32m";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kBold = "\x1b[1m";
constexpr const char* kReset = "\x1b[0m";

std::string endpoint_text(const Event& event) {
  std::string text(proto_name(event.proto));
  if (event.endpoint.family == Family::unix_) text = "unix";
  text += ' ';
  text += escape_for_terminal(to_string(event.endpoint));
  if (event.endpoint.truncated) text += " (truncated)";
  return text;
}

// "stop-owner pid 991 (python3): stopped by SIGTERM in 120 ms; port free".
std::string action_text(const ActionRecord& a) {
  std::string text = a.kind + " " + a.target + ": " + a.result;
  if (a.result != "stopped" && a.result != "killed" && a.result != "still-running") return text;
  if (!a.signal.empty()) text += (a.result == "still-running" ? " after " : " by ") + a.signal;
  text += " in " + std::to_string(a.elapsed_ms) + " ms";
  text += a.port_free_after ? "; port free" : "; port still taken";
  return text;
}

// The service a process runs under, as the lead of its line. An ad hoc
// process is named by its pid, which the line shows anyway.
std::string service_lead(const std::optional<Service>& service) {
  if (!service) return {};
  Service shown = *service;
  if (shown.manager == ManagerKind::adhoc) shown.name.clear();
  return escape_for_terminal(describe_service(shown));
}

// "nginx (pid 100, uid 0)".
std::string process_phrase(const Holder& h) {
  return escape_for_terminal(h.comm) + " (pid " + std::to_string(h.pid) + ", uid " + std::to_string(h.uid) + ")";
}

// "python3 (pid 19834, uid 0)", "nginx (pid 100, uid 0) and 2 workers (pids
// 101, 102)": the lead holder and the workers forked from it.
std::string holders_phrase(const Holder& lead, const std::vector<const Holder*>& workers) {
  std::string text = process_phrase(lead);
  if (workers.empty()) return text;
  text += " and " + std::to_string(workers.size()) + (workers.size() == 1 ? " worker (pid " : " workers (pids ");
  for (std::size_t i = 0; i < workers.size(); ++i) text += (i ? ", " : "") + std::to_string(workers[i]->pid);
  return text + ")";
}

}  // namespace

std::string event_to_text(const Event& event, bool colour) {
  std::string out;
  auto paint = [&](const char* code, const std::string& text) {
    if (colour) out += code;
    out += text;
    if (colour) out += kReset;
  };

  out += format_clock_time(event.realtime_ns) + "  ";
  std::string head(event_name(event));
  if (event.err != 0) {
    head += "  ";
    const std::string_view name = errno_name(event.err);
    head += name.empty() ? "errno " + std::to_string(event.err) : std::string(name);
    paint(kBoldRed, head);
  } else {
    paint(kBoldGreen, head);
  }
  out += "  " + endpoint_text(event);
  if (event.err != 0) {
    const std::string_view why = errno_description(event.err);
    if (!why.empty()) out += "  (" + std::string(why) + ")";
  }
  out += '\n';

  // The diagnosis leads: it is what a person acts on in an incident.
  if (event.diagnosis) out += diagnosis_to_text(*event.diagnosis, colour);

  const ProcessInfo& p = event.process;
  out += "  process  " + escape_for_terminal(p.comm) + " (pid " + std::to_string(p.pid);
  if (p.tid != p.pid) out += ", tid " + std::to_string(p.tid);
  out += ", ppid " + std::to_string(p.ppid) + ", uid " + std::to_string(p.uid) + ")";
  if (const std::string service = service_lead(p.service); !service.empty()) out += ", " + service;
  out += "\n";
  if (!p.cmdline.empty())
    out += "  cmdline  " + escape_for_terminal(p.cmdline) + (p.cmdline_truncated ? " [truncated]" : "") + "\n";
  if (!p.cgroup.empty()) out += "  cgroup   " + escape_for_terminal(p.cgroup) + "\n";

  if (event.owner) out += owner_to_text(*event.owner, "  ");

  if (!event.alternatives.empty()) {
    out += "  free     ";
    for (std::size_t i = 0; i < event.alternatives.size(); ++i)
      out += (i ? ", " : "") + std::to_string(event.alternatives[i]);
    out += " (nearest free ports, checked by a trial bind)\n";
  }
  if (event.action) out += "  action   " + escape_for_terminal(action_text(*event.action)) + "\n";

  std::string socket = "  socket   ";
  if (event.socket.known) {
    socket += std::string("SO_REUSEADDR ") + (event.socket.reuseaddr ? "on" : "off") +
              ", SO_REUSEPORT " + (event.socket.reuseport ? "on" : "off");
    if (event.endpoint.family == Family::ipv6) socket += event.socket.v6only ? ", v6only" : ", dual-stack";
    socket += ", ";
  }
  socket += "netns " + std::to_string(event.netns) + ", tier " + std::string(tier_name(event.tier));
  if (colour) out += kDim;
  out += socket;
  if (colour) out += kReset;
  out += "\n\n";
  return out;
}

std::string diagnosis_to_text(const Diagnosis& d, bool colour) {
  if (d.code == DiagnosisCode::unknown && d.summary.empty()) return {};
  std::string out = "  why      ";
  const std::string code(diagnosis_code_name(d.code));
  out += colour ? std::string(kBold) + code + kReset : code;
  out += ": " + escape_for_terminal(d.summary) + "\n";
  for (std::size_t i = 0; i < d.remedies.size(); ++i)
    out += std::string(i == 0 ? "  fix      " : "           ") + escape_for_terminal(d.remedies[i]) + "\n";
  return out;
}

std::string owner_to_text(const Owner& owner, const std::string& indent) {
  std::string out;
  auto socket_text = [](const SocketEntry& s) {
    std::string t(proto_name(s.proto));
    t += ' ';
    Endpoint e;
    e.family = s.family;
    e.address = s.local_addr;
    e.port = s.local_port;
    t += escape_for_terminal(to_string(e));
    t += ' ';
    t += s.proto == Proto::udp ? std::string_view("BOUND") : tcp_state_name(s.state);
    if (s.options_known)
      t += std::string(s.reuseaddr ? " SO_REUSEADDR" : "") + (s.reuseport ? " SO_REUSEPORT" : "");
    return t;
  };
  const std::string source = " [" + std::string(owner_source_name(owner.source)) + "]";
  switch (owner.kind) {
    case OwnerKind::time_wait:
      out += indent + "owner    " + std::to_string(owner.time_wait_count) + " TIME_WAIT socket" +
             (owner.time_wait_count == 1 ? "" : "s") + " (kernel-owned, no process)";
      if (owner.expires_ms >= 0) out += ", the first is freed in " + std::to_string((owner.expires_ms + 999) / 1000) + " s";
      out += source + "\n";
      break;
    case OwnerKind::gone:
    case OwnerKind::unknown:
      out += indent + "owner    " + std::string(owner_kind_name(owner.kind)) + ": " +
             escape_for_terminal(owner.reason) + source + "\n";
      break;
    default: {
      const char* label = owner.kind == OwnerKind::forwarder           ? " (port forwarder)"
                          : owner.kind == OwnerKind::socket_activation ? " (systemd socket activation)"
                                                                       : "";
      if (owner.holders.empty()) break;
      // One sentence: the service, the lead process with its workers, what they hold.
      const Holder& lead = owner.holders.front();
      std::vector<const Holder*> workers;
      std::vector<const Holder*> others;
      for (std::size_t i = 1; i < owner.holders.size(); ++i) {
        const Holder& h = owner.holders[i];
        const bool same_program = h.comm == lead.comm && h.cgroup == lead.cgroup;
        (h.role == HolderRole::worker && same_program ? workers : others).push_back(&h);
      }
      const std::string service = service_lead(lead.service);
      out += indent + "owner    " + (service.empty() ? "" : service + ": ") + holders_phrase(lead, workers) +
             (workers.empty() ? " holds" : " hold");
      if (!owner.sockets.empty()) out += " " + socket_text(owner.sockets.front());
      out += std::string(label) + source + "\n";
      if (!lead.cmdline.empty()) out += indent + "           " + escape_for_terminal(lead.cmdline) + "\n";
      for (const Holder* h : others) {
        const std::string other = service_lead(h->service);
        out += indent + "         and " + (other.empty() ? "" : other + ": ") + process_phrase(*h) + "\n";
        if (!h->cmdline.empty()) out += indent + "           " + escape_for_terminal(h->cmdline) + "\n";
      }
    }
  }
  return out;
}

void TextSink::write(const Event& event) {
  const std::string block = event_to_text(event, colour_);
  std::fwrite(block.data(), 1, block.size(), out_);
}

void TextSink::flush() { std::fflush(out_); }

}  // namespace bindtrace
