// Events as the owner and attribution stages fill them, for the diagnose()
// unit tests: services of each manager, processes, holders, owners, and the
// checks the tests make on a Diagnosis.
#pragma once

#include <algorithm>
#include <cerrno>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace::diagnose_builders {

inline Service systemd(std::string unit, std::string scope = "system",
                std::optional<std::uint32_t> uid = std::nullopt) {
  Service s;
  s.manager = ManagerKind::systemd;
  s.name = unit;
  s.unit = unit;
  s.scope = std::move(scope);
  s.uid = uid;
  return s;
}

inline Service supervisor(std::string group, std::string program) {
  Service s;
  s.manager = ManagerKind::supervisor;
  s.name = group + ":" + program;
  s.group = std::move(group);
  s.program = std::move(program);
  s.outer = "supervisor.service";
  return s;
}

inline Service managed(ManagerKind manager, std::string name) {
  Service s;
  s.manager = manager;
  s.name = std::move(name);
  return s;
}

inline Service orphan(std::uint32_t pid) {
  Service s = managed(ManagerKind::adhoc, "pid " + std::to_string(pid));
  s.notes = {"orphaned"};
  s.orphaned = true;
  return s;
}

inline Service container(ManagerKind manager, std::string name) {
  Service s = managed(manager, std::move(name));
  s.runtime = std::string(manager_name(manager));
  return s;
}

inline ProcessInfo process(std::uint32_t pid, std::string cmdline, std::string exe, std::optional<Service> service,
                    std::string cwd = "/", std::uint32_t uid = 0) {
  ProcessInfo p;
  p.pid = pid;
  p.tid = pid;
  p.uid = uid;
  p.cmdline = std::move(cmdline);
  p.comm = p.cmdline.substr(0, p.cmdline.find(' '));
  p.comm = p.comm.substr(p.comm.rfind('/') + 1);
  p.exe = std::move(exe);
  p.cwd = std::move(cwd);
  p.service = std::move(service);
  return p;
}

inline Holder holder(std::uint32_t pid, std::string cmdline, std::string exe, std::optional<Service> service,
              std::string cwd = "/", std::uint32_t uid = 0) {
  const ProcessInfo p =
      process(pid, std::move(cmdline), std::move(exe), std::move(service), std::move(cwd), uid);
  Holder h;
  h.pid = p.pid;
  h.comm = p.comm;
  h.cmdline = p.cmdline;
  h.uid = p.uid;
  h.exe = p.exe;
  h.cwd = p.cwd;
  h.service = p.service;
  h.inode = 1000 + pid;
  h.fd = 3;
  return h;
}

inline SocketEntry listener(std::string addr, std::uint16_t port, std::uint64_t inode = 0) {
  SocketEntry s;
  s.local_addr = std::move(addr);
  s.local_port = port;
  s.inode = inode;
  return s;
}

inline Owner held_by(std::vector<Holder> holders, std::uint16_t port = 8001) {
  Owner o;
  o.kind = OwnerKind::process;
  o.state = "LISTEN";
  for (const Holder& h : holders) o.sockets.push_back(listener("0.0.0.0", port, h.inode));
  o.holders = std::move(holders);
  return o;
}

inline Event failure(ProcessInfo p, std::uint16_t port = 8001, int err = EADDRINUSE, std::string addr = "0.0.0.0") {
  Event e;
  e.op = Op::bind;
  e.err = err;
  e.proto = Proto::tcp;
  e.endpoint.family = addr.find(':') == std::string::npos ? Family::ipv4 : Family::ipv6;
  e.endpoint.address = std::move(addr);
  e.endpoint.port = port;
  e.socket.known = true;
  e.process = std::move(p);
  return e;
}

inline Event in_use(ProcessInfo p, Owner owner, std::uint16_t port = 8001) {
  Event e = failure(std::move(p), port);
  e.owner = std::move(owner);
  return e;
}

inline Diagnosis run(const Event& e, std::uint32_t failures = 1) {
  DiagnosisContext c;
  c.failures_in_window = failures;
  return diagnose(e, c);
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The remedies joined, for "is this command offered anywhere" checks.
inline std::string all(const Diagnosis& d) {
  std::string text;
  for (const std::string& r : d.remedies) text += r + "\n";
  return text;
}

inline const std::string kVenvPython = "/opt/connexa/venv/bin/python3";
inline const std::string kPythonExe = "/usr/bin/python3.12";
inline const std::string kBackendCmd = kVenvPython + " -m uvicorn app.main:app --host 0.0.0.0 --port 8001";

inline ProcessInfo backend(std::uint32_t pid, std::optional<Service> service) {
  return process(pid, kBackendCmd, kPythonExe, std::move(service), "/opt/connexa/backend");
}

inline Holder backend_holder(std::uint32_t pid, std::optional<Service> service) {
  return holder(pid, kBackendCmd, kPythonExe, std::move(service), "/opt/connexa/backend");
}

}  // namespace bindtrace::diagnose_builders
