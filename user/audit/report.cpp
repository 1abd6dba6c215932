// The audit's findings as text or JSON.
#include "bindtrace/audit/report.hpp"

#include <algorithm>

#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/format/json_writer.hpp"

namespace bindtrace {
namespace {

void write_declaration(JsonWriter& w, const PortDeclaration& d) {
  w.begin_object();
  w.member("file", d.file);
  w.member("line", d.line);
  w.member("port", d.port);
  w.member("proto", proto_name(d.proto));
  w.member("address", d.address);
  w.member("manager", manager_name(d.manager));
  w.member("name", d.name);
  w.member("scope", audit_scope_name(d.scope));
  w.member("user", d.user);
  w.key("enabled");
  if (d.enabled)
    w.boolean(*d.enabled);
  else
    w.null();
  w.member("source", d.source);
  w.member("program", d.program);
  w.member("commented", d.commented);
  w.member("published", d.published);
  w.key("running_pid");
  if (d.running_pid)
    w.number(*d.running_pid);
  else
    w.null();
  w.end_object();
}

std::string enabled_text(const PortDeclaration& d) {
  if (d.commented) return "commented out";
  if (!d.enabled) return "enabled: unknown";
  return *d.enabled ? "enabled" : "disabled";
}

std::string address_text(std::string_view address) {
  if (address.empty()) return "*";
  return address.find(':') != std::string_view::npos ? "[" + std::string(address) + "]"
                                                     : std::string(address);
}

// "  /etc/systemd/system/web.service:7  systemd  web.service (system)  enabled  ExecStart on 0.0.0.0"
// "  listening now  supervisor  docs (system)  pid 4242  python3 -m http.server 8001 on 0.0.0.0"
std::string declaration_line(const PortDeclaration& d) {
  const std::string scope = std::string(audit_scope_name(d.scope)) + (d.user.empty() ? "" : " " + d.user);
  const std::string who = std::string(manager_name(d.manager)) + "  " + escape_for_terminal(d.name) + " (" +
                          escape_for_terminal(scope) + ")  ";
  const std::string on = " on " + escape_for_terminal(address_text(d.address));
  if (is_listening_now(d))
    return "  listening now  " + who + "pid " + std::to_string(*d.running_pid) + "  " +
           escape_for_terminal(d.program) + on + "\n";
  std::string line = "  " + escape_for_terminal(d.file) + ":" + std::to_string(d.line) + "  " + who +
                     enabled_text(d) + "  " + escape_for_terminal(d.source) + on;
  if (d.running_pid) line += "  running now (pid " + std::to_string(*d.running_pid) + ")";
  return line + "\n";
}

}  // namespace

std::string audit_report_json(const AuditInput& input, const std::vector<AuditConflict>& conflicts) {
  JsonWriter w(4096);
  w.begin_object();
  w.key("conflicts");
  w.begin_array();
  for (const AuditConflict& c : conflicts) {
    w.begin_object();
    w.member("port", c.port);
    w.member("proto", proto_name(c.proto));
    w.member("address", c.address);
    w.member("code", diagnosis_code_name(c.code));
    w.key("declarations");
    w.begin_array();
    for (const PortDeclaration& d : c.declarations) write_declaration(w, d);
    w.end_array();
    w.key("remedies");
    w.begin_array();
    for (const std::string& r : c.remedies) w.string(r);
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.key("declarations");
  w.begin_array();
  for (const PortDeclaration& d : input.declarations) write_declaration(w, d);
  w.end_array();
  w.key("live");
  w.begin_object();
  w.member("checked", input.live_checked);
  w.member("note", input.live_note);
  w.end_object();
  w.key("unreadable");
  w.begin_array();
  for (const UnreadableFile& u : input.unreadable) {
    w.begin_object();
    w.member("file", u.file);
    w.member("error", u.error);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take() + "\n";
}

std::string audit_report_text(const AuditInput& input, const std::vector<AuditConflict>& conflicts) {
  std::string out;
  for (const AuditConflict& c : conflicts) {
    out += "CONFLICT " + std::to_string(c.port) + "/" + std::string(proto_name(c.proto)) + " on " +
           escape_for_terminal(address_text(c.address)) + " (" + std::string(diagnosis_code_name(c.code)) +
           ")\n";
    for (const PortDeclaration& d : c.declarations) out += declaration_line(d);
    for (const std::string& r : c.remedies) out += "  remedy: " + escape_for_terminal(r) + "\n";
    out += "\n";
  }
  std::vector<const PortDeclaration*> sorted;
  for (const PortDeclaration& d : input.declarations) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const PortDeclaration* a, const PortDeclaration* b) {
    return a->port != b->port ? a->port < b->port : a->proto < b->proto;
  });
  std::string last;
  for (const PortDeclaration* d : sorted) {
    const std::string heading = std::to_string(d->port) + "/" + std::string(proto_name(d->proto));
    if (heading != last) out += heading + "\n";
    last = heading;
    out += declaration_line(*d);
  }
  for (const UnreadableFile& u : input.unreadable)
    out += "unreadable: " + escape_for_terminal(u.file) + ": " + escape_for_terminal(u.error) + "\n";
  std::size_t declared = 0, running = 0;
  for (const PortDeclaration& d : input.declarations) {
    if (is_listening_now(d)) continue;
    ++declared;
    running += d.running_pid ? 1 : 0;
  }
  out += std::to_string(conflicts.size()) + (conflicts.size() == 1 ? " conflict" : " conflicts") + " among " +
         std::to_string(declared) + " port declarations";
  if (input.live_checked) out += "; " + std::to_string(running) + " running now";
  if (!input.live_note.empty()) out += " (" + escape_for_terminal(input.live_note) + ")";
  out += "\n";
  return out;
}

}  // namespace bindtrace
