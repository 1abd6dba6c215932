// The action policy on fixtures: who may be stopped, who never is, and how
// often. Every refusal names its reason.
#include <gtest/gtest.h>

#include "bindtrace/actions/policy.hpp"

namespace bindtrace {
namespace {

using namespace std::chrono_literals;

constexpr std::uint32_t kUser = 1000;

Holder holder(std::uint32_t pid, const std::string& comm, std::uint32_t uid = kUser) {
  Holder h;
  h.pid = pid;
  h.comm = comm;
  h.uid = uid;
  h.start_time = 5000 + pid;
  return h;
}

ProcessFacts facts_of(const Holder& h) {
  ProcessFacts f;
  f.pid = h.pid;
  f.ppid = 900;
  f.uid = h.uid;
  f.start_time = h.start_time;
  f.comm = h.comm;
  f.exe = "/usr/bin/" + h.comm;
  f.argv = {h.comm, "--port", "8001"};
  return f;
}

Holder managed(std::uint32_t pid, const std::string& comm, Service service) {
  Holder h = holder(pid, comm);
  h.service = std::move(service);
  return h;
}

const Service kSupervised{
    .manager = ManagerKind::supervisor, .name = "backend:backend", .program = "backend", .group = "backend"};

Event conflict(std::vector<Holder> holders, OwnerKind kind = OwnerKind::process) {
  Event e;
  e.err = 98;
  e.endpoint = Endpoint{.family = Family::ipv4, .address = "0.0.0.0", .port = 8001};
  e.process.pid = 2000;
  e.process.uid = kUser;
  e.owner = Owner{.kind = kind, .holders = std::move(holders)};
  return e;
}

PolicyContext context_for(const Event& e) {
  PolicyContext c;
  c.self_pid = 777;
  c.self_exe = "/usr/sbin/bindtrace";
  c.now = std::chrono::steady_clock::time_point(100s);
  for (const Holder& h : e.owner->holders) c.facts[h.pid] = facts_of(h);
  return c;
}

ActionOptions stop_owner_allowing(const std::string& comm) {
  ActionOptions o;
  o.act = ActKind::stop_owner;
  o.allow_comm = {comm};
  return o;
}

ActionOptions allowing_unit(ActKind act, const std::string& unit) {
  ActionOptions o;
  o.act = act;
  o.allow_unit = {unit};
  return o;
}

Plan plan(const Event& e, const ActionOptions& o, const PolicyContext& c) {
  return plan_action(e, o, c, RateLimiter(o.rate_limit));
}

Plan plan(const Event& e, const ActionOptions& o) {
  return plan(e, o, context_for(e));
}

TEST(ActionPolicy, AllowedOwnerIsPlannedWithItsStartTime) {
  const Event e = conflict({holder(991, "python3")});
  const Plan p = plan(e, stop_owner_allowing("python3"));
  EXPECT_TRUE(p.go()) << p.refusal;
  EXPECT_EQ(p.target, "pid 991 (python3)");
  ASSERT_EQ(p.processes.size(), 1u);
  EXPECT_EQ(p.processes[0].pid, 991u);
  EXPECT_EQ(p.processes[0].start_time, 5991u);
  EXPECT_EQ(describe_intent(p), "would send SIGTERM to pid 991 (python3)");
}

TEST(ActionPolicy, OwnerOutsideTheAllowListIsRefused) {
  const Plan p = plan(conflict({holder(991, "nginx")}), stop_owner_allowing("python3"));
  EXPECT_FALSE(p.go());
  EXPECT_EQ(p.refusal, "pid 991 (nginx) matches no --allow-* entry");
}

TEST(ActionPolicy, EmptyAllowListAllowsNothing) {
  ActionOptions o;
  o.act = ActKind::stop_owner;
  const Plan p = plan(conflict({holder(991, "python3")}), o);
  EXPECT_EQ(p.refusal, "no --allow-comm, --allow-unit, --allow-uid or --allow-port given");
}

TEST(ActionPolicy, EveryHolderMustBeAllowed) {
  const Plan p =
      plan(conflict({holder(991, "python3"), holder(992, "sshd")}), stop_owner_allowing("python3"));
  EXPECT_EQ(p.refusal, "pid 992 (sshd) matches no --allow-* entry");
}

TEST(ActionPolicy, AProcessListedTwiceIsOneTarget) {
  const Plan p =
      plan(conflict({holder(991, "python3"), holder(991, "python3")}), stop_owner_allowing("python3"));
  EXPECT_TRUE(p.go()) << p.refusal;
  EXPECT_EQ(p.processes.size(), 1u);
}

TEST(ActionPolicy, Pid1IsRefusedEvenWhenAllowed) {
  Event e = conflict({holder(1, "systemd")});
  ActionOptions o = stop_owner_allowing("systemd");
  o.allow_uid = {kUser};
  EXPECT_EQ(plan(e, o).refusal, "pid 1");
}

TEST(ActionPolicy, SocketActivationIsRefusedAsPid1) {
  const Plan p =
      plan(conflict({holder(1, "systemd", 0)}, OwnerKind::socket_activation), stop_owner_allowing("systemd"));
  EXPECT_EQ(p.refusal, "pid 1 (socket activation)");
}

TEST(ActionPolicy, TimeWaitHasNoProcessToStop) {
  const Plan p = plan(conflict({}, OwnerKind::time_wait), stop_owner_allowing("python3"));
  EXPECT_EQ(p.refusal, "TIME_WAIT sockets belong to the kernel, not to a process");
}

TEST(ActionPolicy, GoneOwnerIsRefused) {
  EXPECT_EQ(plan(conflict({}, OwnerKind::gone), stop_owner_allowing("python3")).refusal, "the owner is gone");
}

TEST(ActionPolicy, PortForwarderIsNotStoppedAsAProcess) {
  const Plan p = plan(conflict({holder(991, "docker-proxy", 0)}, OwnerKind::forwarder),
                      stop_owner_allowing("docker-proxy"));
  EXPECT_EQ(p.refusal, "the owner is a port forwarder; stop what it forwards to (--act stop-unit)");
}

TEST(ActionPolicy, KernelThreadIsRefused) {
  const Event e = conflict({holder(55, "kworker/0:1")});
  PolicyContext c = context_for(e);
  c.facts[55].flags = 0x00200000;  // PF_KTHREAD
  const ActionOptions o = stop_owner_allowing("kworker/0:1");
  EXPECT_EQ(plan(e, o, c).refusal, "pid 55 (kworker/0:1) is a kernel thread");
}

TEST(ActionPolicy, BindtraceItselfIsRefusedByPid) {
  const Event e = conflict({holder(777, "bindtrace")});
  EXPECT_EQ(plan(e, stop_owner_allowing("bindtrace")).refusal, "pid 777 (bindtrace) is bindtrace itself");
}

TEST(ActionPolicy, AnotherProcessRunningOurExecutableIsRefused) {
  const Event e = conflict({holder(778, "bindtrace")});
  PolicyContext c = context_for(e);
  c.facts[778].exe = c.self_exe;
  const ActionOptions o = stop_owner_allowing("bindtrace");
  EXPECT_EQ(plan(e, o, c).refusal, "pid 778 (bindtrace) is bindtrace");
}

TEST(ActionPolicy, AnotherUsersProcessIsRefused) {
  const Plan p = plan(conflict({holder(991, "python3", 0)}), stop_owner_allowing("python3"));
  EXPECT_EQ(
      p.refusal,
      "pid 991 (python3) belongs to uid 0, not to the failing process's uid 1000 (--allow-uid 0 allows it)");
}

TEST(ActionPolicy, AllowUidLiftsTheOtherUsersRefusal) {
  ActionOptions o = stop_owner_allowing("python3");
  o.allow_uid = {0};
  EXPECT_TRUE(plan(conflict({holder(991, "python3", 0)}), o).go());
}

TEST(ActionPolicy, TheUidIsTheLiveProcesssNotTheLookups) {
  const Event e = conflict({holder(991, "python3")});
  PolicyContext c = context_for(e);
  c.facts[991].uid = 0;  // setuid since the lookup
  const ActionOptions o = stop_owner_allowing("python3");
  EXPECT_FALSE(plan(e, o, c).go());
}

TEST(ActionPolicy, AllowUnitMatchesTheServiceName) {
  const Event e = conflict({managed(991, "bt_hold", kSupervised)});
  EXPECT_TRUE(plan(e, allowing_unit(ActKind::stop_owner, "backend:backend")).go());
  EXPECT_FALSE(plan(e, allowing_unit(ActKind::stop_owner, "frontend")).go());
}

TEST(ActionPolicy, AllowPortMatchesTheEventsPort) {
  ActionOptions o;
  o.act = ActKind::stop_owner;
  o.allow_port = {8001};
  EXPECT_TRUE(plan(conflict({holder(991, "python3")}), o).go());
  o.allow_port = {8002};
  EXPECT_FALSE(plan(conflict({holder(991, "python3")}), o).go());
}

TEST(ActionPolicy, AReusedPidIsRefused) {
  const Event e = conflict({holder(991, "python3")});
  PolicyContext c = context_for(e);
  c.facts[991].start_time += 1;
  const ActionOptions o = stop_owner_allowing("python3");
  EXPECT_EQ(plan(e, o, c).refusal, "pid 991 (python3) is another process now (pid reused)");
}

TEST(ActionPolicy, AnExitedOwnerIsRefusedAsGone) {
  const Event e = conflict({holder(991, "python3")});
  PolicyContext c = context_for(e);
  c.facts.clear();
  const ActionOptions o = stop_owner_allowing("python3");
  EXPECT_EQ(plan(e, o, c).refusal, "pid 991 (python3) is gone");
}

TEST(ActionPolicy, OneActionPerOwnerPerWindow) {
  const Event e = conflict({holder(991, "python3")});
  ActionOptions o = stop_owner_allowing("python3");
  o.rate_limit = 60s;
  PolicyContext c = context_for(e);
  RateLimiter limiter(o.rate_limit);
  const Plan first = plan_action(e, o, c, limiter);
  ASSERT_TRUE(first.go());
  limiter.record(first.rate_key, c.now);

  c.now += 59s;
  EXPECT_TRUE(plan_action(e, o, c, limiter).rate_limited);
  c.now += 1s;
  EXPECT_TRUE(plan_action(e, o, c, limiter).go());
}

TEST(ActionPolicy, TheRateLimitIsPerOwner) {
  ActionOptions o = stop_owner_allowing("python3");
  RateLimiter limiter(o.rate_limit);
  const Event first = conflict({holder(991, "python3")});
  const PolicyContext c = context_for(first);
  limiter.record(plan_action(first, o, c, limiter).rate_key, c.now);
  const Event other = conflict({holder(992, "python3")});
  EXPECT_TRUE(plan_action(other, o, context_for(other), limiter).go());
}

TEST(ActionPolicy, RateLimiterRemembersAtMostItsCapacityForgettingTheOldest) {
  RateLimiter limiter(10s, 2);
  const auto t0 = std::chrono::steady_clock::time_point(100s);
  limiter.record("a", t0);
  limiter.record("b", t0 + 1s);
  limiter.record("c", t0 + 2s);  // full: "a", the oldest, makes room
  EXPECT_TRUE(limiter.allows("a", t0 + 3s));
  EXPECT_FALSE(limiter.allows("b", t0 + 3s));
  EXPECT_FALSE(limiter.allows("c", t0 + 3s));
}

TEST(ActionPolicy, StopUnitPlansTheSupervisorCommand) {
  const Event e = conflict({managed(991, "bt_hold", kSupervised)});
  PolicyContext c = context_for(e);
  c.supervisord_config = "/etc/supervisor/supervisord.conf";
  const Plan p = plan(e, allowing_unit(ActKind::stop_unit, "backend:backend"), c);
  EXPECT_TRUE(p.go()) << p.refusal;
  EXPECT_EQ(p.target, "supervisor program backend:backend");
  EXPECT_EQ(p.command, (std::vector<std::string>{"supervisorctl", "-c", "/etc/supervisor/supervisord.conf",
                                                 "stop", "backend:backend"}));
  EXPECT_EQ(describe_intent(p),
            "would run supervisorctl -c /etc/supervisor/supervisord.conf stop backend:backend");
}

TEST(ActionPolicy, StopUnitNeedsAManager) {
  ActionOptions o = stop_owner_allowing("python3");
  o.act = ActKind::stop_unit;
  EXPECT_EQ(plan(conflict({holder(991, "python3")}), o).refusal, "no manager is known for pid 991 (python3)");
}

TEST(ActionPolicy, StopUnitStillRefusesPid1) {
  const Service init{
      .manager = ManagerKind::systemd, .name = "init.scope", .unit = "init.scope", .scope = "system"};
  EXPECT_EQ(
      plan(conflict({managed(1, "systemd", init)}), allowing_unit(ActKind::stop_unit, "init.scope")).refusal,
      "pid 1");
}

TEST(ActionPolicy, StopUnitRefusesHoldersOfDifferentServices) {
  const Holder a = managed(
      991, "bt_hold", Service{.manager = ManagerKind::systemd, .name = "a.service", .unit = "a.service"});
  const Holder b = managed(
      992, "bt_hold", Service{.manager = ManagerKind::systemd, .name = "b.service", .unit = "b.service"});
  EXPECT_EQ(plan(conflict({a, b}), allowing_unit(ActKind::stop_unit, "a.service")).refusal,
            "the holders belong to different services");
}

TEST(ActionPolicy, SeveralTargetsAreNamedByTheFirst) {
  EXPECT_EQ(describe_targets({StopTarget{10, 0, "gunicorn"}, StopTarget{11, 0, "gunicorn"}}),
            "pid 10 (gunicorn) and 1 more");
}

}  // namespace
}  // namespace bindtrace
