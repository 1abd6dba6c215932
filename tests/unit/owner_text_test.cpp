// The owner lines of the text block, whole: one sentence with the service
// first, the lead process with its workers, the socket, and where the answer
// came from; the command line below it.
#include <gtest/gtest.h>

#include "bindtrace/attribute.hpp"
#include "bindtrace/sinks.hpp"

namespace bindtrace {
namespace {

SocketEntry listening(std::uint16_t port, bool reuseaddr) {
  SocketEntry s;
  s.proto = Proto::tcp;
  s.family = Family::ipv4;
  s.state = TcpState::listen;
  s.local_addr = "0.0.0.0";
  s.local_port = port;
  s.options_known = true;
  s.reuseaddr = reuseaddr;
  return s;
}

Holder holder(std::uint32_t pid, std::string comm, std::string cmdline) {
  Holder h;
  h.pid = pid;
  h.comm = std::move(comm);
  h.cmdline = std::move(cmdline);
  h.cgroup = "/system.slice/nginx.service";
  return h;
}

TEST(OwnerText, AnOrphanedDevServerNamesItsPidOnce) {
  Owner owner;
  owner.kind = OwnerKind::process;
  owner.source = OwnerSource::index;
  owner.sockets = {listening(8005, true)};
  Holder h = holder(19834, "python3", "python3 -m http.server 8005");
  h.cgroup = "/";
  Service adhoc;
  adhoc.manager = ManagerKind::adhoc;
  adhoc.name = "pid 19834";
  adhoc.orphaned = true;
  adhoc.notes = {"orphaned"};
  h.service = adhoc;
  owner.holders = {h};
  EXPECT_EQ(owner_to_text(owner, "  "),
            "  owner    ad hoc, orphaned: python3 (pid 19834, uid 0) holds tcp 0.0.0.0:8005 LISTEN SO_REUSEADDR "
            "[index]\n"
            "             python3 -m http.server 8005\n");
}

TEST(OwnerText, AMasterAndItsWorkersHoldTheSocketTogether) {
  Owner owner;
  owner.kind = OwnerKind::process;
  owner.source = OwnerSource::index;
  owner.sockets = {listening(80, false)};
  Service unit;
  unit.manager = ManagerKind::systemd;
  unit.name = "nginx.service";
  unit.unit = "nginx.service";
  unit.scope = "system";
  Holder master = holder(100, "nginx", "nginx: master process /usr/sbin/nginx");
  master.role = HolderRole::main;
  master.service = unit;
  Holder w1 = holder(101, "nginx", "nginx: worker process");
  w1.role = HolderRole::worker;
  w1.ppid = 100;
  w1.service = unit;
  Holder w2 = w1;
  w2.pid = 102;
  owner.holders = {master, w1, w2};
  EXPECT_EQ(owner_to_text(owner, ""),
            "owner    systemd unit nginx.service: nginx (pid 100, uid 0) and 2 workers (pids 101, 102) hold "
            "tcp 0.0.0.0:80 LISTEN [index]\n"
            "           nginx: master process /usr/sbin/nginx\n");
}

TEST(OwnerText, ADifferentProgramSharingTheSocketGetsItsOwnLine) {
  Owner owner;
  owner.kind = OwnerKind::process;
  owner.source = OwnerSource::iterators;
  owner.sockets = {listening(8080, false)};
  Holder main = holder(200, "gunicorn", "gunicorn app:app");
  main.role = HolderRole::main;
  Holder helper = holder(230, "\x1b[2Jsh", "sh -c hook");
  helper.role = HolderRole::worker;
  helper.ppid = 200;
  owner.holders = {main, helper};
  EXPECT_EQ(owner_to_text(owner, ""),
            "owner    gunicorn (pid 200, uid 0) holds tcp 0.0.0.0:8080 LISTEN [iterators]\n"
            "           gunicorn app:app\n"
            "         and \\x1b[2Jsh (pid 230, uid 0)\n"
            "           sh -c hook\n");
}

TEST(OwnerText, TimeWaitAndGoneOwnersAreOneLineEach) {
  Owner tw;
  tw.kind = OwnerKind::time_wait;
  tw.source = OwnerSource::iterators;
  tw.time_wait_count = 2;
  tw.expires_ms = 41200;
  EXPECT_EQ(owner_to_text(tw, ""),
            "owner    2 TIME_WAIT sockets (kernel-owned, no process), the first is freed in 42 s [iterators]\n");
  Owner gone;
  gone.kind = OwnerKind::gone;
  gone.source = OwnerSource::index;
  gone.reason = "pid 7 (bt_hold) held it and exited before we looked";
  EXPECT_EQ(owner_to_text(gone, ""),
            "owner    gone: pid 7 (bt_hold) held it and exited before we looked [index]\n");
}

}  // namespace
}  // namespace bindtrace
