// The diagnosis rules and their order (rules.hpp). Each rule looks at one
// failure and either names it or passes; diagnose_error() keeps the order
// docs/diagnosis.md documents.
#include "diagnose/rules.hpp"

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/events/errno_names.hpp"
#include "diagnose/instance_rules.hpp"
#include "diagnose/phrases.hpp"
#include "diagnose/program_identity.hpp"
#include "diagnose/remedies.hpp"
#include "diagnose/text.hpp"

namespace bindtrace::diagnose_detail {
namespace {

Diagnosis make(DiagnosisCode code, std::string summary, std::vector<std::string> remedies = {}) {
  Diagnosis d;
  d.code = code;
  d.summary = std::move(summary);
  d.remedies = std::move(remedies);
  return d;
}

std::string op_call(const Event& e) {
  return std::string(op_name(e.op)) + "()";
}

std::string error_text(int err) {
  std::string text(errno_name(err));
  if (text.empty()) text = "errno " + std::to_string(err);
  const std::string_view what = errno_description(err);
  if (!what.empty()) text += " (" + std::string(what) + ")";
  return text;
}

// Rule 1.
std::optional<Diagnosis> privileged_port(const Event& e, const DiagnosisContext& c) {
  if (e.err != EACCES || e.op != Op::bind || !e.endpoint.has_port()) return std::nullopt;
  if (e.endpoint.port == 0 || e.endpoint.port >= c.unprivileged_port_start || e.process.uid == 0)
    return std::nullopt;
  const std::string start = std::to_string(c.unprivileged_port_start);
  Diagnosis d =
      make(DiagnosisCode::privileged_port, "port " + std::to_string(e.endpoint.port) + " is below " + start +
                                               " (net.ipv4.ip_unprivileged_port_start) and uid " +
                                               std::to_string(e.process.uid) + " lacks CAP_NET_BIND_SERVICE");
  const ProgramIdentity id = identity_of(e.process);
  const bool interpreted = script_of(id).interpreter != Interpreter::none;
  std::string target;
  if (!id.exe.empty())
    target = shell_quote(id.exe);
  else if (!id.argv.empty() && id.argv.front().starts_with('/'))
    target = shell_quote(id.argv.front());
  else if (!id.argv.empty() && shell_quote(id.argv.front()) == id.argv.front() && !id.argv.front().empty())
    target = "\"$(command -v " + id.argv.front() + ")\"";
  if (!target.empty()) {
    d.remedies.push_back(
        with_note("setcap 'cap_net_bind_service=+ep' " + target,
                  interpreted ? "note: every script this interpreter runs gets the capability" : ""));
  }
  const auto& s = e.process.service;
  if (s && s->manager == ManagerKind::systemd && s->scope == "system" && s->name.ends_with(".service")) {
    d.remedies.push_back(with_note("systemctl edit " + shell_quote(s->name),
                                   "add under [Service]: AmbientCapabilities=CAP_NET_BIND_SERVICE"));
  } else if (!s || s->manager != ManagerKind::systemd) {
    // A user manager has no capabilities to hand out: only system units can use this.
    d.remedies.emplace_back("for a systemd unit: AmbientCapabilities=CAP_NET_BIND_SERVICE under [Service]");
  }
  if (auto free = free_port_remedy(e, c.unprivileged_port_start))
    d.remedies.push_back(*free);
  else
    d.remedies.push_back("use a port >= " + start);
  d.remedies.push_back(
      with_note("sysctl -w net.ipv4.ip_unprivileged_port_start=" + std::to_string(e.endpoint.port),
                "host-wide: every user may then bind from this port up"));
  return d;
}

// Rule 2.
std::optional<Diagnosis> address_not_available(const Event& e) {
  const bool connect_in_use = e.err == EADDRINUSE && e.op == Op::connect;
  if (e.err != EADDRNOTAVAIL && !connect_in_use) return std::nullopt;
  if (e.op == Op::bind) {
    const bool v6 = e.endpoint.family == Family::ipv6 && !e.endpoint.v4_mapped;
    Diagnosis d = make(DiagnosisCode::address_not_available,
                       "bind() to " + endpoint_text(e) + " failed: the address " + e.endpoint.address +
                           " is not configured on any interface in this network namespace");
    d.remedies.push_back(with_note("ip -br addr", "list the addresses this namespace has"));
    d.remedies.push_back(std::string("bind ") + (v6 ? "::" : "0.0.0.0") + " to listen on every address");
    d.remedies.push_back(
        with_note("ip addr add " + shell_quote(e.endpoint.address) + (v6 ? "/128" : "/32") + " dev lo",
                  "or add the address to the right interface"));
    d.remedies.push_back(
        with_note(std::string("sysctl -w net.") + (v6 ? "ipv6" : "ipv4") + ".ip_nonlocal_bind=1",
                  "for an address that comes later (VIP, failover); or IP_FREEBIND on the socket"));
    if (v6 || (e.process.service && e.process.service->manager == ManagerKind::systemd)) {
      d.remedies.emplace_back(
          "at boot the address may not be up yet (IPv6 stays tentative during DAD): order the unit "
          "After=network-online.target");
    }
    return d;
  }
  Diagnosis d =
      make(DiagnosisCode::address_not_available,
           op_call(e) + " to " + endpoint_text(e) +
               " failed: no free local port (ephemeral ports exhausted) or the 4-tuple is already taken");
  d.remedies.push_back(
      with_note("sysctl net.ipv4.ip_local_port_range", "how many ephemeral ports there are"));
  d.remedies.push_back(with_note("sysctl -w net.ipv4.ip_local_port_range='1024 65535'", "widen it"));
  d.remedies.emplace_back(
      "when binding a source address before connect(): set IP_BIND_ADDRESS_NO_PORT (or SO_REUSEADDR) first");
  d.remedies.push_back(
      with_note("ss -tan state time-wait | wc -l",
                "fewer TIME_WAIT: reuse connections (keep-alive, pooling), net.ipv4.tcp_tw_reuse=1"));
  return d;
}

// Rule 3: listen() fails after two SO_REUSEADDR sockets bound the same address:port.
Diagnosis listen_conflict(const Event& e) {
  std::string summary =
      "listen() on " + endpoint_text(e) + " failed: another socket bound to it is already listening";
  if (e.owner) {
    if (const Holder* h = pick_holder(*e.owner, [](const Holder&) { return true; }))
      summary += " (held by " + holder_text(*h) + ")";
  }
  summary += "; SO_REUSEADDR lets two sockets bind, not both listen";
  return make(
      DiagnosisCode::listen_conflict, std::move(summary),
      {"only one socket may listen on an address:port: close the extra one (a bind() left over without "
       "listen(), or a second socket bound with SO_REUSEADDR)",
       "to share the port, set SO_REUSEPORT on both sockets before bind(), in processes of the same uid"});
}

// Rule 4.
Diagnosis time_wait(const Event& e, const Owner& owner) {
  std::int64_t latest = -1;
  std::string addr;
  Family family = e.endpoint.family;
  bool one_addr = true;
  for (const SocketEntry& s : owner.sockets) {
    latest = std::max(latest, s.expires_ms);
    if (addr.empty()) {
      addr = s.local_addr;
      family = s.v4_mapped ? Family::ipv4 : s.family;
    } else if (addr != s.local_addr) {
      one_addr = false;
    }
  }
  std::string where = port_text(e);
  if (!addr.empty() && one_addr)
    where = to_string(Endpoint{family, 0, addr, e.endpoint.port});
  else if (owner.sockets.empty())
    where = endpoint_text(e);
  const std::uint32_t count =
      owner.time_wait_count > 0 ? owner.time_wait_count : static_cast<std::uint32_t>(owner.sockets.size());
  std::string summary =
      count == 1 ? "1 TIME_WAIT socket holds " : std::to_string(count) + " TIME_WAIT sockets hold ";
  if (count == 0) summary = "TIME_WAIT sockets hold ";
  summary += where;
  std::string wait;
  if (latest >= 0) {
    summary += " for up to " + seconds_text(latest) + " more";
    wait = seconds_text(latest);
  } else if (owner.expires_ms >= 0) {
    summary += "; the first expires in " + seconds_text(owner.expires_ms);
    wait = "up to 60 s";
  } else {
    wait = "up to 60 s";
  }
  std::vector<std::string> remedies;
  if (e.socket.known && e.socket.reuseaddr) {
    summary += "; the new socket has SO_REUSEADDR, so the sockets that left them lacked it";
    remedies.push_back("wait " + wait + ": the kernel frees them by then");
    remedies.emplace_back(
        "set SO_REUSEADDR on the socket that made these connections too (the earlier listener or a client "
        "bound to this port)");
  } else {
    summary += e.socket.known ? ", and the new socket lacks SO_REUSEADDR" : "";
    remedies.emplace_back("set SO_REUSEADDR on the listening socket before bind()");
    remedies.push_back("or wait " + wait + ": the kernel frees them by then");
  }
  return make(DiagnosisCode::time_wait, std::move(summary), std::move(remedies));
}

// Rule 5.
std::optional<Diagnosis> socket_activation(const Event& e, const Owner& owner) {
  const Holder* h = pick_holder(owner, is_socket_activated);
  if (owner.kind != OwnerKind::socket_activation && !h) return std::nullopt;
  if (!h && !owner.holders.empty()) h = &owner.holders.front();
  const Service* s = h && h->service ? &*h->service : nullptr;
  const bool user = s && s->scope == "user";
  const std::string ctl = s ? systemctl(*s) : "systemctl ";
  Diagnosis d;
  d.code = DiagnosisCode::socket_activation;
  if (s && h && !s->socket_unit.empty()) {
    const std::string& socket_unit = s->socket_unit;
    std::string service_unit = s->manager == ManagerKind::systemd ? s->name : std::string{};
    d.summary =
        "systemd socket unit " + socket_unit + " holds " + endpoint_text(e) + " and hands it to " +
        (service_unit.empty() ? holder_text(*h) : service_unit + " (pid " + std::to_string(h->pid) + ")") +
        ": stopping the service does not free the port";
    d.remedies.push_back(with_note(ctl + "stop " + shell_quote(socket_unit) +
                                       (service_unit.empty() ? "" : " " + shell_quote(service_unit)),
                                   "the .socket, not only the service"));
    d.remedies.push_back(
        with_note(ctl + "disable " + shell_quote(socket_unit), "so it does not listen again at boot"));
  } else {
    d.summary = std::string(user ? "a user .socket unit of systemd --user" : "a .socket unit of systemd") +
                " (pid " + (h ? std::to_string(h->pid) : std::string("1")) + ") holds " + endpoint_text(e);
    const std::string port = std::to_string(e.endpoint.port);
    d.remedies.push_back(
        with_note(ctl + "list-sockets --all | grep ':" + port + "'", "find the .socket unit"));
    d.remedies.push_back(with_note(ctl + "stop NAME.socket && " + ctl + "disable NAME.socket",
                                   "the .socket, not the .service"));
  }
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

// Rule 7.
std::optional<Diagnosis> reuseport_mismatch(const Event& e, const Owner& owner) {
  if (!e.socket.known) return std::nullopt;
  for (const SocketEntry& s : owner.sockets) {
    if (!s.options_known || s.state == TcpState::time_wait) continue;
    const bool one_side = s.reuseport != e.socket.reuseport;
    const bool other_user = s.reuseport && e.socket.reuseport && s.uid != e.process.uid;
    if (!one_side && !other_user) continue;
    const Holder* h = pick_holder(owner, [&](const Holder& x) { return s.inode == 0 || x.inode == s.inode; });
    if (!h) h = pick_holder(owner, [](const Holder&) { return true; });
    const Endpoint theirs{s.family, 0, s.local_addr, s.local_port};
    const std::string who = "the listener " + to_string(theirs) + " of " +
                            (h ? holder_text(*h) : "socket inode " + std::to_string(s.inode));
    Diagnosis d;
    d.code = DiagnosisCode::reuseport_mismatch;
    if (one_side) {
      d.summary = std::string("SO_REUSEPORT is set on ") + (e.socket.reuseport ? "the new socket" : who) +
                  " but not on " + (e.socket.reuseport ? who : "the new socket");
      d.remedies.emplace_back("set SO_REUSEPORT on both sockets before bind(), or on neither");
    } else {
      d.summary = "both sockets set SO_REUSEPORT, but the kernel shares a port only within one uid: uid " +
                  std::to_string(e.process.uid) + " vs uid " + std::to_string(s.uid) + " of " + who;
      d.remedies.push_back("run both as the same user (uid " + std::to_string(s.uid) + ")");
    }
    if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
    return d;
  }
  return std::nullopt;
}

// Rule 8: a user's unit (itself, or through the container it runs) and a system unit.
std::optional<Diagnosis> system_vs_user(const Event& e, const Owner& owner) {
  const Level mine = level_of(e.process.service);
  if (mine == Level::unknown) return std::nullopt;
  const Holder* h = pick_holder(owner, [&](const Holder& x) {
    const Level theirs = level_of(x.service);
    return theirs != Level::unknown && theirs != mine;
  });
  if (!h) return std::nullopt;
  const bool user_failed = mine == Level::user;
  const Service& holder_service = *h->service;
  const Service& my_service = *e.process.service;
  const Service& user_side = user_failed ? my_service : holder_service;
  const Service& system_side = user_failed ? holder_service : my_service;
  Diagnosis d;
  d.code = DiagnosisCode::system_vs_user;
  d.summary = port_text(e) + " is wanted at system level by " + service_phrase(system_side) +
              " and at user level by " + service_phrase(user_side) + "; the " +
              (user_failed ? "system" : "user") + " one holds it (" + program_display(identity_of(*h)) +
              ", pid " + std::to_string(h->pid) + ")";
  // Keep one level: lead with the side that failed (it serves nothing, so no downtime).
  auto stop = [&](const Service& s, std::uint32_t pid, const std::string& why) {
    d.remedies.push_back(stop_remedy(s, pid, e.endpoint.port, why));
    if (&s != &user_side) return;
    if (const std::string unit = user_unit_to_mask(s); !unit.empty()) {
      d.remedies.push_back(with_note(systemctl(is_container_manager(s.manager) ? runner_unit(s) : s) + "mask " +
                                         shell_quote(unit),
                                     "so nothing starts it again"));
    }
  };
  stop(my_service, e.process.pid, std::string("keep the ") + (user_failed ? "system" : "user") + " one");
  stop(holder_service, h->pid, std::string("or keep the ") + (user_failed ? "user" : "system") + " one");
  // The user's container may simply move: its unit and the system one both stay.
  if (is_container_manager(user_side.manager)) {
    if (auto remap = user_failed ? remap_remedy(e) : std::nullopt)
      d.remedies.push_back("or " + *remap);
    else if (!user_failed)
      d.remedies.push_back("or publish the container on another host port " + publish_flag(e, "<container port>"));
  }
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

// Rule 6: the process itself already holds a conflicting socket (dual stack, a second bind).
std::optional<Diagnosis> own_socket(const Event& e, const Owner& owner) {
  const Holder* h = pick_holder(owner, [&](const Holder& x) { return x.pid == e.process.pid; });
  if (!h || owner.holders.size() != 1) return std::nullopt;
  const auto dual = std::find_if(owner.sockets.begin(), owner.sockets.end(), [&](const SocketEntry& s) {
    return s.family == Family::ipv6 && !s.v6only && (s.local_addr == "::" || s.local_addr.empty());
  });
  if (dual != owner.sockets.end() && e.endpoint.family == Family::ipv4) {
    return make(
        DiagnosisCode::unknown,
        "pid " + std::to_string(e.process.pid) + " itself holds [::]:" + std::to_string(e.endpoint.port) +
            " without IPV6_V6ONLY, which already covers " + endpoint_text(e),
        {"set IPV6_V6ONLY on the IPv6 socket before bind(), or bind only [::] (it accepts IPv4 too)"});
  }
  return make(
      DiagnosisCode::unknown,
      "pid " + std::to_string(e.process.pid) + " itself already holds " + endpoint_text(e) +
          (h->fd >= 0 ? " (fd " + std::to_string(h->fd) + ")" : std::string{}) + ": it binds the port twice",
      {"bind each address:port once per process (check the configuration for a repeated listen address)"});
}

// Rule 12.
std::optional<Diagnosis> container_port(const Event& e, const Owner& owner) {
  const Holder* h =
      pick_holder(owner, [](const Holder& x) { return is_forwarder(x) || is_containerized(x); });
  if (!h && owner.kind != OwnerKind::forwarder) return std::nullopt;
  Diagnosis d;
  d.code = DiagnosisCode::container_port;
  if (!h) {
    d.summary = port_text(e) + " is published by a container (its port forwarder holds it)";
    d.remedies.push_back("docker ps --filter publish=" + std::to_string(e.endpoint.port));
  } else {
    const Service& s = *h->service;
    d.summary = port_text(e) + " is published by " + service_phrase(s) + " (" +
                program_display(identity_of(*h)) + ", pid " + std::to_string(h->pid) + ")";
    d.remedies.push_back(stop_remedy(h->service, h->pid, e.endpoint.port, ""));
    if (!s.pod_uid.empty() || s.manager == ManagerKind::kubernetes) {
      d.remedies.emplace_back("change the pod's hostPort (or drop it and use a Service)");
    } else {
      d.remedies.push_back("or remap: publish the container on another host port " +
                           publish_flag(e, "<container port>"));
    }
  }
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

// Rule 13.
std::optional<Diagnosis> foreign_service(const Event& e, const Owner& owner) {
  const Holder* h = pick_holder(owner, [](const Holder&) { return true; });
  if (!h) return std::nullopt;
  Diagnosis d;
  d.code = DiagnosisCode::foreign_service;
  d.summary = port_text(e) + " is held by " + holder_text(*h) + others_text(owner);
  // Same name, another program (another app.py, another build of `server`): say what differs.
  const ProgramIdentity theirs = identity_of(*h);
  const ProgramIdentity mine = identity_of(e.process);
  const IdentityMatch m = compare_programs(theirs, mine);
  if (!m.path_arg.empty() || (!m.differs.empty() && program_display(theirs) == program_display(mine)))
    d.summary += "; not the same program: " + identity_evidence(m, h->pid, e.process.pid);
  // A container that wants a host port the host already uses: remapping it is the gentle fix.
  if (auto remap = remap_remedy(e)) d.remedies.push_back(*remap);
  d.remedies.push_back(stop_remedy(h->service, h->pid, e.endpoint.port, "if nothing needs it"));
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

Diagnosis unknown_in_use(const Event& e) {
  if (!e.owner)
    return make(DiagnosisCode::unknown, endpoint_text(e) + " is in use; its owner was not resolved");
  const Owner& owner = *e.owner;
  const std::string reason = owner.reason.empty() ? std::string{} : " (" + owner.reason + ")";
  if (owner.kind == OwnerKind::gone) {
    return make(DiagnosisCode::unknown,
                endpoint_text(e) + " was in use, but its holder exited before bindtrace looked" + reason,
                {"retry: the port may be free now"});
  }
  if (!owner.sockets.empty()) {
    const SocketEntry& s = owner.sockets.front();
    return make(DiagnosisCode::unknown,
                endpoint_text(e) + " is held by a " + std::string(tcp_state_name(s.state)) +
                    " socket (inode " + std::to_string(s.inode) + ") no process was found for" + reason,
                {with_note("ss -tanp 'sport = :" + std::to_string(e.endpoint.port) + "'", "look again")});
  }
  return make(DiagnosisCode::unknown, endpoint_text(e) + " is in use; no owner found" + reason,
              {with_note("ss -tuanp 'sport = :" + std::to_string(e.endpoint.port) + "'", "look again")});
}

Diagnosis unknown_error(const Event& e) {
  std::string summary = op_call(e) + " to " + endpoint_text(e) + " failed with " + error_text(e.err);
  std::vector<std::string> remedies;
  if (e.err == EACCES) {
    summary += e.process.uid == 0 ? " although uid 0" : "";
    summary += ": an LSM (SELinux, AppArmor) or a cgroup BPF program denied it";
    remedies.push_back(with_note("journalctl -k -g 'apparmor|avc'", "look for the denial"));
  } else if (e.err == EINVAL && e.op == Op::bind) {
    summary += ": the socket is already bound, or the address does not fit the socket's family";
  }
  return make(DiagnosisCode::unknown, std::move(summary), std::move(remedies));
}

Diagnosis diagnose_in_use(const Event& e, const DiagnosisContext& c) {
  if (e.op == Op::listen) return listen_conflict(e);
  if (!e.owner) return unknown_in_use(e);
  const Owner& owner = *e.owner;
  if (owner.kind == OwnerKind::time_wait) return time_wait(e, owner);
  if (auto d = socket_activation(e, owner)) return *d;
  if (owner.kind == OwnerKind::gone || owner.kind == OwnerKind::unknown) return unknown_in_use(e);
  if (owner.holders.empty() && owner.kind != OwnerKind::forwarder) return unknown_in_use(e);
  if (auto d = own_socket(e, owner)) return *d;
  if (auto d = reuseport_mismatch(e, owner)) return *d;
  if (auto d = system_vs_user(e, owner)) return *d;
  if (auto d = same_program_rules(e, owner, c)) return *d;
  if (auto d = second_instance(e, owner)) return *d;
  if (auto d = container_port(e, owner)) return *d;
  if (auto d = foreign_service(e, owner)) return *d;
  return unknown_in_use(e);
}

}  // namespace

Diagnosis diagnose_error(const Event& e, const DiagnosisContext& c) {
  if (auto d = privileged_port(e, c)) return *d;
  if (auto d = address_not_available(e)) return *d;
  if (e.err == EADDRINUSE) return diagnose_in_use(e, c);
  return unknown_error(e);
}

}  // namespace bindtrace::diagnose_detail
