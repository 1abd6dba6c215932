// diagnose(): every code with its positive case and its near misses, and the
// six incidents bindtrace was written for (program identity and the rules
// built on it: diagnose_identity_test.cpp). Events are built in code, as the
// owner and attribution stages would fill them.
#include "bindtrace/diagnose/diagnose.hpp"

#include <gtest/gtest.h>

#include "diagnose_builders.hpp"

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

namespace bindtrace {
namespace {

using namespace diagnose_testing;

// ---------------------------------------------------------------- privileged_port

Event privileged(std::uint32_t uid, std::uint16_t port = 80) {
  Event e = failure(
      process(700, "/usr/sbin/nginx -g daemon off;", "/usr/sbin/nginx", systemd("nginx.service"), "/", uid),
      port, EACCES);
  e.alternatives = {81, 82};
  return e;
}

TEST(DiagnosePrivilegedPort, NonRootBelowTheStartIsPrivilegedPort) {
  const Diagnosis d = run(privileged(33));
  EXPECT_EQ(d.code, DiagnosisCode::privileged_port);
  EXPECT_TRUE(contains(d.summary, "port 80 is below 1024")) << d.summary;
  EXPECT_TRUE(contains(all(d), "setcap 'cap_net_bind_service=+ep' /usr/sbin/nginx")) << all(d);
  EXPECT_TRUE(contains(all(d), "systemctl edit nginx.service"));
  EXPECT_TRUE(contains(all(d), "AmbientCapabilities=CAP_NET_BIND_SERVICE"));
  // 81 and 82 are free but privileged too: not worth naming.
  EXPECT_TRUE(contains(all(d), "use a port >= 1024")) << all(d);
}

TEST(DiagnosePrivilegedPort, NamesAFreeUnprivilegedAlternative) {
  Event e = privileged(33);
  e.alternatives = {81, 8080};
  EXPECT_TRUE(contains(all(run(e)), "port 8080 is free"));
}

TEST(DiagnosePrivilegedPort, SetcapFindsABareProgramOnThePath) {
  Event e = privileged(1000);
  e.process.exe.clear();
  e.process.cmdline = "caddy run";
  e.process.service = std::nullopt;
  const Diagnosis d = run(e);
  EXPECT_TRUE(contains(all(d), "setcap 'cap_net_bind_service=+ep' \"$(command -v caddy)\"")) << all(d);
  EXPECT_FALSE(contains(all(d), "systemctl edit"));
}

TEST(DiagnosePrivilegedPort, RootIsNotPrivilegedPort) {
  const Diagnosis d = run(privileged(0));
  EXPECT_NE(d.code, DiagnosisCode::privileged_port);
  EXPECT_EQ(d.code, DiagnosisCode::unknown);
  EXPECT_TRUE(contains(d.summary, "LSM")) << d.summary;
}

TEST(DiagnosePrivilegedPort, PortAtOrAboveTheStartIsNotPrivilegedPort) {
  DiagnosisContext c;
  c.unprivileged_port_start = 80;
  EXPECT_NE(diagnose(privileged(33, 80), c).code, DiagnosisCode::privileged_port);
  EXPECT_NE(run(privileged(33, 8080)).code, DiagnosisCode::privileged_port);
}

// ---------------------------------------------------------------- address_not_available

TEST(DiagnoseAddressNotAvailable, BindToAForeignAddress) {
  const Event e = failure(process(5, "/usr/bin/api", "/usr/bin/api", {}), 8001, EADDRNOTAVAIL, "10.9.9.9");
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::address_not_available);
  EXPECT_TRUE(contains(d.summary,
                       "the address 10.9.9.9 is not configured on any interface in this network namespace"))
      << d.summary;
  EXPECT_TRUE(contains(all(d), "ip -br addr"));
  EXPECT_TRUE(contains(all(d), "bind 0.0.0.0"));
  EXPECT_TRUE(contains(all(d), "ip addr add 10.9.9.9/32"));
}

TEST(DiagnoseAddressNotAvailable, ConnectRanOutOfEphemeralPorts) {
  Event e = failure(process(5, "/usr/bin/loadgen", "/usr/bin/loadgen", {}), 443, EADDRNOTAVAIL, "192.0.2.7");
  e.op = Op::connect;
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::address_not_available);
  EXPECT_TRUE(contains(d.summary, "ephemeral ports exhausted")) << d.summary;
  EXPECT_TRUE(contains(all(d), "sysctl net.ipv4.ip_local_port_range"));
  EXPECT_TRUE(contains(all(d), "IP_BIND_ADDRESS_NO_PORT"));
  EXPECT_FALSE(contains(all(d), "ip -br addr"));
}

TEST(DiagnoseAddressNotAvailable, AddressInUseIsNot) {
  const Event e =
      in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
             held_by({holder(6, "/usr/sbin/nginx", "/usr/sbin/nginx", systemd("nginx.service"))}));
  EXPECT_NE(run(e).code, DiagnosisCode::address_not_available);
}

// ---------------------------------------------------------------- listen_conflict

TEST(DiagnoseListenConflict, SecondListenOnAReusedAddress) {
  Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                   held_by({holder(6, "/usr/bin/other", "/usr/bin/other", {})}));
  e.op = Op::listen;
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::listen_conflict);
  EXPECT_TRUE(contains(d.summary, "listen() on 0.0.0.0:8001")) << d.summary;
  EXPECT_TRUE(contains(d.summary, "pid 6"));
  EXPECT_TRUE(contains(all(d), "SO_REUSEPORT on both"));
}

TEST(DiagnoseListenConflict, BindIsNotListenConflict) {
  const Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                         held_by({holder(6, "/usr/bin/other", "/usr/bin/other", {})}));
  EXPECT_NE(run(e).code, DiagnosisCode::listen_conflict);
}

// ---------------------------------------------------------------- time_wait

Owner time_wait_sockets(std::vector<std::int64_t> expires) {
  Owner o;
  o.kind = OwnerKind::time_wait;
  o.state = "TIME_WAIT";
  o.time_wait_count = static_cast<std::uint32_t>(expires.size());
  o.expires_ms = *std::min_element(expires.begin(), expires.end());
  for (const std::int64_t ms : expires) {
    SocketEntry s = listener("127.0.0.1", 8001);
    s.state = TcpState::time_wait;
    s.expires_ms = ms;
    o.sockets.push_back(s);
  }
  return o;
}

TEST(DiagnoseTimeWait, OnlyTimeWaitBlocksWithoutReuseAddr) {
  Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}), time_wait_sockets({3000, 41200, 20000}));
  e.socket.reuseaddr = false;
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::time_wait);
  EXPECT_TRUE(contains(d.summary, "3 TIME_WAIT sockets hold 127.0.0.1:8001 for up to 42 s more"))
      << d.summary;
  ASSERT_EQ(d.remedies.size(), 2u);
  EXPECT_EQ(d.remedies[0], "set SO_REUSEADDR on the listening socket before bind()");
  EXPECT_TRUE(contains(d.remedies[1], "or wait 42 s"));
}

TEST(DiagnoseTimeWait, OneSocketIsSingular) {
  const Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}), time_wait_sockets({9000}));
  EXPECT_TRUE(contains(run(e).summary, "1 TIME_WAIT socket holds 127.0.0.1:8001 for up to 9 s more"));
}

TEST(DiagnoseTimeWait, WithReuseAddrTheOldSocketLackedIt) {
  Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}), time_wait_sockets({41200}));
  e.socket.reuseaddr = true;
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::time_wait);
  EXPECT_TRUE(contains(d.summary, "the new socket has SO_REUSEADDR")) << d.summary;
  EXPECT_TRUE(contains(d.summary, "lacked it"));
  EXPECT_FALSE(contains(all(d), "set SO_REUSEADDR on the listening socket before bind()"));
  EXPECT_TRUE(contains(all(d), "wait 42 s"));
}

// ---------------------------------------------------------------- reuseport_mismatch

Event reuseport_case(bool mine, bool theirs, std::uint32_t my_uid, std::uint32_t their_uid) {
  Owner o =
      held_by({holder(6, "/usr/bin/envoy", "/usr/bin/envoy", systemd("envoy.service"), "/", their_uid)});
  o.sockets[0].options_known = true;
  o.sockets[0].reuseport = theirs;
  o.sockets[0].uid = their_uid;
  Event e =
      in_use(process(5, "/usr/bin/haproxy", "/usr/bin/haproxy", systemd("haproxy.service"), "/", my_uid), o);
  e.socket.reuseport = mine;
  return e;
}

TEST(DiagnoseReuseportMismatch, OnlyOneSideSetsReusePort) {
  const Diagnosis d = run(reuseport_case(true, false, 0, 0));
  EXPECT_EQ(d.code, DiagnosisCode::reuseport_mismatch);
  EXPECT_TRUE(
      contains(d.summary,
               "SO_REUSEPORT is set on the new socket but not on the listener 0.0.0.0:8001 of envoy (pid 6"))
      << d.summary;
  EXPECT_TRUE(contains(all(d), "set SO_REUSEPORT on both sockets"));
}

TEST(DiagnoseReuseportMismatch, BothSetButDifferentUsers) {
  const Diagnosis d = run(reuseport_case(true, true, 1000, 0));
  EXPECT_EQ(d.code, DiagnosisCode::reuseport_mismatch);
  EXPECT_TRUE(contains(d.summary, "uid 1000 vs uid 0")) << d.summary;
  EXPECT_TRUE(contains(all(d), "same user"));
}

TEST(DiagnoseReuseportMismatch, NeitherSideIsNotAMismatch) {
  EXPECT_EQ(run(reuseport_case(false, false, 0, 0)).code, DiagnosisCode::foreign_service);
}

TEST(DiagnoseReuseportMismatch, UnknownOptionsAreNotAMismatch) {
  Event e = reuseport_case(true, false, 0, 0);
  e.owner->sockets[0].options_known = false;  // sock_diag cannot see them
  EXPECT_NE(run(e).code, DiagnosisCode::reuseport_mismatch);
}

// ---------------------------------------------------------------- socket_activation

TEST(DiagnoseSocketActivation, Pid1HoldsItForASocketUnit) {
  Service pid1 = systemd("a .socket unit of systemd (pid 1)");
  pid1.notes = {"socket activation"};
  pid1.socket_activation = true;
  Owner o = held_by({holder(1, "/sbin/init", "/usr/lib/systemd/systemd", pid1)}, 631);
  o.kind = OwnerKind::socket_activation;
  const Diagnosis d = run(in_use(process(5, "/usr/sbin/cupsd -f", "/usr/sbin/cupsd", {}), o, 631));
  EXPECT_EQ(d.code, DiagnosisCode::socket_activation);
  EXPECT_TRUE(contains(d.summary, "a .socket unit of systemd (pid 1) holds 0.0.0.0:631")) << d.summary;
  EXPECT_TRUE(contains(all(d), "systemctl list-sockets --all | grep ':631'"));
  EXPECT_FALSE(contains(all(d), "disable --now"));
}

TEST(DiagnoseSocketActivation, HandedOverSocketNamesTheSocketUnitNotTheService) {
  Service cups = systemd("cups.service");
  cups.socket_unit = "cups.socket";
  cups.notes = {"socket handed over by systemd: stopping the service does not free the port"};
  cups.socket_handed_over = true;
  const Diagnosis d =
      run(in_use(process(5, "/opt/cups/cupsd", "/opt/cups/cupsd", {}),
                 held_by({holder(400, "/usr/sbin/cupsd -l", "/usr/sbin/cupsd", cups)}, 631), 631));
  EXPECT_EQ(d.code, DiagnosisCode::socket_activation);
  EXPECT_TRUE(contains(d.summary, "cups.socket")) << d.summary;
  EXPECT_TRUE(contains(all(d), "systemctl stop cups.socket")) << all(d);
  EXPECT_TRUE(contains(all(d), "systemctl disable cups.socket"));
  EXPECT_FALSE(contains(all(d), "disable --now cups.service"));
}

TEST(DiagnoseSocketActivation, UserSocketUnitUsesUserScope) {
  Service svc = systemd("devd.service", "user", 1000);
  svc.socket_unit = "devd.socket";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/devd", "/usr/bin/devd", {}),
                                 held_by({holder(900, "/usr/bin/devd --serve", "/usr/bin/devd", svc)})));
  EXPECT_TRUE(contains(all(d), "systemctl --user -M 1000@ stop devd.socket")) << all(d);
  EXPECT_TRUE(contains(all(d), "systemctl --user -M 1000@ disable devd.socket"));
}

TEST(DiagnoseSocketActivation, PlainServiceIsNotSocketActivation) {
  const Diagnosis d =
      run(in_use(process(5, "/opt/cups/cupsd", "/opt/cups/cupsd", {}),
                 held_by({holder(400, "/usr/sbin/cupsd -l", "/usr/sbin/cupsd", systemd("cups.service"))})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
}

// The typed roles decide, not the text of the notes (which only a person reads).
TEST(DiagnoseSocketActivation, TheHandedOverRoleDecidesNotTheNoteText) {
  Service cups = systemd("cups.service");
  cups.notes = {"socket handed over by systemd: stopping the service does not free the port"};
  const auto diagnose_with = [&](const Service& s) {
    return run(in_use(process(5, "/opt/cups/cupsd", "/opt/cups/cupsd", {}),
                      held_by({holder(400, "/usr/sbin/cupsd -l", "/usr/sbin/cupsd", s)}, 631), 631));
  };
  EXPECT_EQ(diagnose_with(cups).code, DiagnosisCode::foreign_service);
  cups.notes.clear();
  cups.socket_handed_over = true;
  EXPECT_EQ(diagnose_with(cups).code, DiagnosisCode::socket_activation);
}

// ---------------------------------------------------------------- container_port

Holder docker_proxy(std::uint32_t pid, std::uint16_t host_port) {
  Service s = container(ManagerKind::docker, "container at 172.17.0.2:8000");
  s.notes = {"port forwarder", "host port " + std::to_string(host_port)};
  s.forwarder = true;
  return holder(pid,
                "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port " + std::to_string(host_port) +
                    " -container-ip 172.17.0.2 -container-port 8000",
                "/usr/bin/docker-proxy", s);
}

TEST(DiagnoseContainerPort, ForwarderWithoutANameIsLookedUpByPort) {
  Owner o = held_by({docker_proxy(2211, 8001)});
  o.kind = OwnerKind::forwarder;
  Event e = in_use(backend(5, systemd("connexa-backend.service")), o);
  e.alternatives = {8002, 8003};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::container_port);
  EXPECT_TRUE(contains(d.summary, "port 8001 is published by docker (container at 172.17.0.2:8000)"))
      << d.summary;
  EXPECT_TRUE(contains(all(d), "docker ps --filter publish=8001")) << all(d);
  EXPECT_TRUE(contains(all(d), "port 8002 is free"));
}

TEST(DiagnoseContainerPort, ContainerProcessHoldsIt) {
  const Diagnosis d = run(in_use(
      process(5, "/usr/bin/api", "/usr/bin/api", systemd("api.service")),
      held_by({holder(3100, "/app/server", "/app/server", container(ManagerKind::docker, "7951fb549ab9"))})));
  EXPECT_EQ(d.code, DiagnosisCode::container_port);
  EXPECT_TRUE(contains(d.summary, "docker container 7951fb549ab9")) << d.summary;
  EXPECT_TRUE(contains(all(d), "docker stop 7951fb549ab9")) << all(d);
  EXPECT_TRUE(contains(all(d), "remap"));
}

TEST(DiagnoseContainerPort, PodmanContainerByName) {
  const Diagnosis d = run(
      in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
             held_by({holder(3100, "/app/server", "/app/server", container(ManagerKind::podman, "web"))})));
  EXPECT_TRUE(contains(all(d), "podman stop web")) << all(d);
}

TEST(DiagnoseContainerPort, KubernetesPodIsFoundNotDeleted) {
  Service pod = container(ManagerKind::containerd, "605439acbd4f");
  pod.pod_uid = "ac04f3f2-1f2c-11e9-b015-1ebee232acfa";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                                 held_by({holder(3100, "/app/server", "/app/server", pod)})));
  EXPECT_EQ(d.code, DiagnosisCode::container_port);
  EXPECT_TRUE(contains(all(d), "kubectl get pods -A")) << all(d);
  EXPECT_TRUE(contains(all(d), "grep ac04f3f2-1f2c-11e9-b015-1ebee232acfa"));
  EXPECT_TRUE(contains(all(d), "hostPort"));
  EXPECT_FALSE(contains(all(d), "kubectl delete"));
}

TEST(DiagnoseContainerPort, HostServiceIsNotAContainer) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                 held_by({holder(6, "/usr/sbin/nginx", "/usr/sbin/nginx", systemd("nginx.service"))})));
  EXPECT_NE(d.code, DiagnosisCode::container_port);
}

// ---------------------------------------------------------------- foreign_service

TEST(DiagnoseForeignService, AnotherServiceHoldsThePort) {
  Event e = in_use(backend(1300, systemd("connexa-backend.service")),
                   held_by({holder(812, "nginx: master process /usr/sbin/nginx", "/usr/sbin/nginx",
                                   systemd("nginx.service"))}));
  e.alternatives = {8002, 8003};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_EQ(d.summary, "port 8001 is held by nginx (pid 812, systemd unit nginx.service)");
  EXPECT_TRUE(d.remedies[0].starts_with("systemctl disable --now nginx.service")) << d.remedies[0];
  EXPECT_TRUE(contains(all(d), "port 8002 is free"));
}

// Workers forked by the holder are counted as its workers, not as other processes.
TEST(DiagnoseForeignService, WorkersOfTheHolderAreNamedAsWorkers) {
  Holder master = holder(812, "nginx: master process /usr/sbin/nginx", "/usr/sbin/nginx", systemd("nginx.service"));
  master.role = HolderRole::main;
  std::vector<Holder> holders{master};
  for (std::uint32_t pid : {813u, 814u}) {
    Holder worker = holder(pid, "nginx: worker process", "/usr/sbin/nginx", systemd("nginx.service"));
    worker.role = HolderRole::worker;
    worker.ppid = 812;
    holders.push_back(worker);
  }
  holders.push_back(holder(900, "/usr/bin/socat", "/usr/bin/socat", {}));
  const Diagnosis d = run(in_use(backend(1300, systemd("connexa-backend.service")), held_by(holders)));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_EQ(d.summary,
            "port 8001 is held by nginx (pid 812, systemd unit nginx.service) with 2 workers and 1 more process");
}

TEST(DiagnoseForeignService, UnmanagedHolderIsKilledByPid) {
  const Diagnosis d =
      run(in_use(backend(1300, std::nullopt),
                 held_by({holder(812, "/usr/local/bin/mock-server", "/usr/local/bin/mock-server", {})})));
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_TRUE(d.remedies[0].starts_with("kill -TERM 812"));
}

// ---------------------------------------------------------------- unknown

TEST(DiagnoseUnknown, HolderExitedBeforeWeLooked) {
  Owner o;
  o.kind = OwnerKind::gone;
  o.reason = "pid 4000 exited";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}), o));
  EXPECT_EQ(d.code, DiagnosisCode::unknown);
  EXPECT_TRUE(contains(d.summary, "exited before bindtrace looked (pid 4000 exited)")) << d.summary;
}

TEST(DiagnoseUnknown, NoOwnerResolved) {
  const Diagnosis d = run(failure(process(5, "/usr/bin/api", "/usr/bin/api", {})));
  EXPECT_EQ(d.code, DiagnosisCode::unknown);
  EXPECT_TRUE(contains(d.summary, "0.0.0.0:8001 is in use")) << d.summary;
}

TEST(DiagnoseUnknown, OtherErrnoIsNamed) {
  const Diagnosis d = run(failure(process(5, "/usr/bin/api", "/usr/bin/api", {}), 8001, EINVAL));
  EXPECT_EQ(d.code, DiagnosisCode::unknown);
  EXPECT_TRUE(contains(d.summary, "EINVAL")) << d.summary;
}

TEST(DiagnoseUnknown, OwnDualStackSocketIsNotAnotherInstance) {
  Owner o = held_by({holder(5, "/usr/bin/api", "/usr/bin/api", {})});
  o.sockets[0].family = Family::ipv6;
  o.sockets[0].local_addr = "::";
  const Diagnosis d = run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}), o));
  EXPECT_NE(d.code, DiagnosisCode::stale_instance);
  EXPECT_TRUE(contains(d.summary, "pid 5 itself holds [::]:8001")) << d.summary;
  EXPECT_FALSE(contains(all(d), "kill"));
  EXPECT_TRUE(contains(all(d), "IPV6_V6ONLY"));
}

// ---------------------------------------------------------------- restart_loop

TEST(DiagnoseRestartLoop, BelowTheThresholdIsNoLoop) {
  const Event e = in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                         held_by({holder(6, "/usr/sbin/nginx", "/usr/sbin/nginx", {})}));
  const Diagnosis d = run(e, 2);
  EXPECT_FALSE(d.restart_loop);
  EXPECT_EQ(d.failures_in_window, 2u);
  EXPECT_FALSE(contains(d.summary, "failure in"));
}

TEST(DiagnoseRestartLoop, OrdinalSuffixes) {
  const Event e = failure(process(5, "/usr/bin/api", "/usr/bin/api", {}));
  DiagnosisContext c;
  c.restart_loop_threshold = 1;
  for (const auto& [n, text] : std::vector<std::pair<std::uint32_t, std::string>>{{1, "1st"},
                                                                                  {2, "2nd"},
                                                                                  {3, "3rd"},
                                                                                  {4, "4th"},
                                                                                  {11, "11th"},
                                                                                  {12, "12th"},
                                                                                  {13, "13th"},
                                                                                  {21, "21st"},
                                                                                  {22, "22nd"},
                                                                                  {101, "101st"},
                                                                                  {111, "111th"},
                                                                                  {112, "112th"},
                                                                                  {123, "123rd"}}) {
    c.failures_in_window = n;
    const Diagnosis d = diagnose(e, c);
    EXPECT_TRUE(d.restart_loop);
    EXPECT_TRUE(d.summary.ends_with(" (" + text + " failure in 60 s)")) << d.summary;
  }
}

// ---------------------------------------------------------------- untrusted names in remedies

TEST(DiagnoseQuoting, ShellSpecialUnitNameIsQuoted) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                 held_by({holder(6, "/usr/bin/x", "/usr/bin/x", systemd("x;reboot $(id).service"))})));
  EXPECT_TRUE(contains(all(d), "systemctl disable --now 'x;reboot $(id).service'")) << all(d);
}

TEST(DiagnoseQuoting, SingleQuoteInANameIsEscaped) {
  const Diagnosis d =
      run(in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
                 held_by({holder(6, "/usr/bin/x", "/usr/bin/x", managed(ManagerKind::pm2, "it's"))})));
  EXPECT_TRUE(contains(all(d), "pm2 delete 'it'\\''s' && pm2 save")) << all(d);
}

TEST(DiagnoseQuoting, EscapedUnitNamesKeepTheirBackslash) {
  const Diagnosis d = run(
      in_use(process(5, "/usr/bin/api", "/usr/bin/api", {}),
             held_by({holder(6, "/usr/bin/x", "/usr/bin/x", systemd("openvpn-client\\x2doffice.service"))})));
  EXPECT_TRUE(contains(all(d), "systemctl disable --now 'openvpn-client\\x2doffice.service'")) << all(d);
}

TEST(DiagnoseQuoting, NewlineInANameCannotStartACommand) {
  const Diagnosis d = run(in_use(backend(1300, systemd("a\nrm -rf ~.service")),
                                 held_by({backend_holder(991, supervisor("b\nreboot", "x"))})));
  for (const std::string& r : d.remedies) {
    const std::size_t comment = r.find("  # ");
    // A newline may only sit inside single quotes, never in the comment.
    if (comment != std::string::npos) EXPECT_EQ(r.find('\n', comment), std::string::npos) << r;
  }
  EXPECT_TRUE(contains(all(d), "systemctl disable --now 'a\nrm -rf ~.service'"));
}

// ---------------------------------------------------------------- the incidents

// 1. systemd and supervisor both start the backend on 8001; supervisor's copy loses.
TEST(DiagnoseIncidents, SystemdAndSupervisorBothStartTheBackend) {
  Event e = in_use(backend(1207, supervisor("backend", "backend")),
                   held_by({backend_holder(991, systemd("connexa-backend.service"))}));
  e.alternatives = {8002, 8003};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  EXPECT_TRUE(contains(d.summary, "pid 991 under systemd unit connexa-backend.service holds 0.0.0.0:8001"))
      << d.summary;
  EXPECT_TRUE(contains(d.summary, "supervisor program backend:backend"));
  EXPECT_TRUE(d.remedies[0].starts_with("supervisorctl stop backend:backend")) << d.remedies[0];
  EXPECT_TRUE(contains(d.remedies[0], "keep systemd unit connexa-backend.service"));
  EXPECT_TRUE(d.remedies[1].starts_with("systemctl disable --now connexa-backend.service")) << d.remedies[1];
}

// 2. A dev server left running by a closed terminal holds 8000.
TEST(DiagnoseIncidents, OrphanedDevServerFromAClosedTerminal) {
  const std::string cmd = "node /home/dev/shop/node_modules/.bin/vite --port 8000";
  Event e =
      in_use(process(5120, cmd, "/usr/bin/node", std::nullopt, "/home/dev/shop", 1000),
             held_by({holder(4242, cmd, "/usr/bin/node", orphan(4242), "/home/dev/shop", 1000)}, 8000), 8000);
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::stale_instance);
  EXPECT_TRUE(contains(d.summary, "an earlier instance of the same program (vite, pid 4242")) << d.summary;
  EXPECT_TRUE(contains(d.summary, "left behind by a closed terminal"));
  EXPECT_EQ(d.remedies.front(), "kill -TERM 4242  # then retry");
}

// 3. System qdrant.service holds 6333; a rootless podman qdrant, run by a user unit, wants it.
TEST(DiagnoseIncidents, SystemServiceAndUserContainerWantTheSamePort) {
  Service rootless = container(ManagerKind::podman, "qdrant");
  rootless.uid = 1000;
  rootless.user = "alice";
  rootless.outer = "qdrant-dev.service";
  rootless.unit = "qdrant-dev.service";
  rootless.scope = "user";
  Event e = in_use(process(6100, "/qdrant/qdrant", "/qdrant/qdrant", rootless, "/qdrant", 1000),
                   held_by({holder(880, "/usr/bin/qdrant --config-path /etc/qdrant/config.yaml",
                                   "/usr/bin/qdrant", systemd("qdrant.service"), "/var/lib/qdrant", 997)},
                           6333),
                   6333);
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::system_vs_user);
  EXPECT_TRUE(contains(d.summary, "port 6333")) << d.summary;
  EXPECT_TRUE(contains(d.summary, "podman container qdrant (inside systemd user unit qdrant-dev.service, uid 1000 alice)"))
      << d.summary;
  EXPECT_EQ(d.remedies[0],
            "systemctl --user -M alice@ stop qdrant-dev.service  # keep the system one; the unit that runs podman "
            "container qdrant");
  EXPECT_EQ(d.remedies[1], "systemctl --user -M alice@ mask qdrant-dev.service  # so nothing starts it again");
  EXPECT_EQ(d.remedies[2], "systemctl disable --now qdrant.service  # or keep the user one");
  EXPECT_EQ(d.remedies[3], "or publish the container on another host port instead (-p <free port>:6333)");
}

// 4. System PostgreSQL holds 5432 and a docker container wants to publish it: the
// holder decides the code (foreign_service); the container side leads with a remap.
TEST(DiagnoseIncidents, SystemPostgresAndAContainerWant5432) {
  Service proxy = container(ManagerKind::docker, "container at 172.17.0.3:5432");
  proxy.notes = {"port forwarder", "host port 5432"};
  proxy.forwarder = true;
  Event e =
      in_use(process(7001,
                     "/usr/bin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 5432 -container-ip "
                     "172.17.0.3 -container-port 5432",
                     "/usr/bin/docker-proxy", proxy),
             held_by({holder(1102, "/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main",
                             "/usr/lib/postgresql/16/bin/postgres", systemd("postgresql@16-main.service"))},
                     5432),
             5432);
  e.alternatives = {5433};
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::foreign_service);
  EXPECT_TRUE(contains(d.summary,
                       "port 5432 is held by postgres (pid 1102, systemd unit postgresql@16-main.service)"))
      << d.summary;
  EXPECT_TRUE(contains(d.remedies[0], "-p 5433:5432")) << d.remedies[0];
  EXPECT_TRUE(contains(all(d), "systemctl disable --now postgresql@16-main.service"));
}

TEST(DiagnoseIncidents, ContainerHolds5432AndSystemPostgresFails) {
  Event e = in_use(process(1102, "/usr/lib/postgresql/16/bin/postgres -D /var/lib/postgresql/16/main",
                           "/usr/lib/postgresql/16/bin/postgres", systemd("postgresql@16-main.service")),
                   held_by({docker_proxy(7001, 5432)}, 5432), 5432);
  e.owner->kind = OwnerKind::forwarder;
  EXPECT_EQ(run(e).code, DiagnosisCode::container_port);
}

// 5. A rapid restart fails on TIME_WAIT because the server does not set SO_REUSEADDR.
TEST(DiagnoseIncidents, RapidRestartBlockedByTimeWait) {
  Event e = in_use(backend(1300, systemd("connexa-backend.service")), time_wait_sockets({12000, 58000}));
  e.socket.reuseaddr = false;
  const Diagnosis d = run(e);
  EXPECT_EQ(d.code, DiagnosisCode::time_wait);
  EXPECT_TRUE(contains(d.summary, "2 TIME_WAIT sockets hold 127.0.0.1:8001 for up to 58 s more"))
      << d.summary;
  EXPECT_EQ(d.remedies[0], "set SO_REUSEADDR on the listening socket before bind()");
}

// 6. A crash loop: the 35th failure against the same holder.
TEST(DiagnoseIncidents, CrashLoopAgainstTheSameHolder) {
  const Event e = in_use(backend(2000, supervisor("backend", "backend")),
                         held_by({backend_holder(991, systemd("connexa-backend.service"))}));
  const Diagnosis d = run(e, 35);
  EXPECT_EQ(d.code, DiagnosisCode::duplicate_manager);
  EXPECT_TRUE(d.restart_loop);
  EXPECT_EQ(d.failures_in_window, 35u);
  EXPECT_TRUE(d.summary.ends_with("(35th failure in 60 s)")) << d.summary;
}

}  // namespace
}  // namespace bindtrace
