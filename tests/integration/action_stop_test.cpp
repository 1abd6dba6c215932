// --act stop-owner and stop-unit against real processes: a bt_hold holding a
// real port, its owner found by the real resolver (sock_diag + /proc), the
// ActionRunner planning and acting, and the port proven free (or still held)
// afterwards. supervisord is real, and so is supervisorctl.
//
// Every process and temp file a test creates is removed when it ends, also
// when an assertion fails.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bindtrace/actions/runner.hpp"
#include "bindtrace/actions/stop_unit.hpp"
#include "bindtrace/owner/netns.hpp"
#include "bindtrace/owner/resolver.hpp"
#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

using namespace std::chrono_literals;
using namespace testing;

// A failed bind of 0.0.0.0:port by this test process, with the owner the
// real resolver finds for it.
Event conflict_on(std::uint16_t port) {
  Event e;
  e.err = EADDRINUSE;
  e.proto = Proto::tcp;
  e.endpoint = Endpoint{.family = Family::ipv4, .address = "0.0.0.0", .port = port};
  e.netns = current_netns();
  e.process.pid = static_cast<std::uint32_t>(::getpid());
  e.process.uid = ::getuid();
  e.process.comm = "action_test";
  OwnerResolver resolver(ResolverOptions{.force = OwnerSource::sock_diag});
  e.owner = resolver.resolve_port(Proto::tcp, port);
  return e;
}

// The events a runner delivered, in order.
class Delivered {
 public:
  ActionCallbacks callbacks(std::function<bool(const std::string&)> confirm = {}) {
    ActionCallbacks c;
    c.deliver = [this](const Event& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    };
    c.confirm = std::move(confirm);
    return c;
  }
  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  std::mutex mutex_;
  std::vector<Event> events_;
};

// Plans and acts on one event; returns it as delivered.
Event act_on(const Event& event, const ActionOptions& options, Consent consent = Consent::given) {
  Delivered delivered;
  {
    ActionRunner runner(options, delivered.callbacks(), consent);
    runner.submit(event);
    runner.drain();
  }
  const auto events = delivered.events();
  return events.empty() ? Event{} : events.front();
}

ActionOptions stop_owner_allowing(const std::string& comm) {
  ActionOptions o;
  o.act = ActKind::stop_owner;
  o.allow_comm = {comm};
  return o;
}

std::unique_ptr<Child> holder(const std::string& program, std::uint16_t port) {
  auto child = std::make_unique<Child>(std::vector<std::string>{"env", "BT_PORT=" + std::to_string(port),
                                                                "BT_MAX_SECONDS=60", testprog(program)},
                                       Child::Options{.pipe_stdin = true});
  EXPECT_TRUE(child->expect_line("ready")) << program << " did not start: " << child->drain_stderr();
  return child;
}

bool alive(pid_t pid) {
  const char state = state_of(pid);
  return state != '\0' && state != 'Z' && state != 'X';
}

// True when this process can bind 0.0.0.0:port (no SO_REUSEADDR), as the failing one would.
bool bindable(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0;
  ::close(fd);
  return ok;
}

TEST(ActionStopOwner, AllowedOwnerIsStoppedBySigtermAndThePortIsFree) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_hold", port);
  const Event event = conflict_on(port);
  ASSERT_TRUE(event.owner && !event.owner->holders.empty()) << "the resolver found no holder";
  ASSERT_EQ(event.owner->holders[0].pid, static_cast<std::uint32_t>(owner->pid()));

  const Event done = act_on(event, stop_owner_allowing("bt_hold"));
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->kind, "stop-owner");
  EXPECT_EQ(done.action->target, "pid " + std::to_string(owner->pid()) + " (bt_hold)");
  EXPECT_EQ(done.action->result, "stopped");
  EXPECT_EQ(done.action->signal, "SIGTERM");
  EXPECT_TRUE(done.action->port_free_after);
  EXPECT_EQ(owner->wait(), 0);  // bt_hold ends cleanly on SIGTERM
  EXPECT_TRUE(bindable(port));
}

TEST(ActionStopOwner, OwnerIgnoringSigtermIsKilledAfterTheGrace) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_stubborn", port);
  ActionOptions o = stop_owner_allowing("bt_stubborn");
  o.grace = 300ms;

  const Event done = act_on(conflict_on(port), o);
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result, "killed");
  EXPECT_EQ(done.action->signal, "SIGKILL");
  EXPECT_GE(done.action->elapsed_ms, 300u);  // the grace was given before SIGKILL
  EXPECT_TRUE(done.action->port_free_after);
  EXPECT_EQ(owner->wait(), 128 + SIGKILL);
}

TEST(ActionStopOwner, OwnerOutsideTheAllowListIsUntouched) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_hold", port);
  const Event done = act_on(conflict_on(port), stop_owner_allowing("nginx"));
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result,
            "refused: pid " + std::to_string(owner->pid()) + " (bt_hold) matches no --allow-* entry");
  EXPECT_EQ(done.action->signal, "");
  EXPECT_TRUE(alive(owner->pid()));
  EXPECT_FALSE(bindable(port));
}

TEST(ActionStopOwner, DryRunChangesNothing) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_hold", port);
  ActionOptions o = stop_owner_allowing("bt_hold");
  o.dry_run = true;
  const Event done = act_on(conflict_on(port), o);
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result,
            "dry-run: would send SIGTERM to pid " + std::to_string(owner->pid()) + " (bt_hold)");
  EXPECT_TRUE(alive(owner->pid()));
  EXPECT_FALSE(bindable(port));
}

TEST(ActionStopOwner, Pid1IsRefused) {
  const std::uint16_t port = free_port();
  Event event = conflict_on(port);  // nothing holds it: the owner is made pid 1
  Owner owner;
  owner.kind = OwnerKind::process;
  Holder init;
  init.pid = 1;
  init.comm = comm_of(1);
  init.start_time = start_time_of(1);
  owner.holders.push_back(init);
  event.owner = owner;
  ActionOptions o = stop_owner_allowing(init.comm);
  o.allow_uid = {0};
  const Event done = act_on(event, o);
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result, "refused: pid 1");
  EXPECT_TRUE(alive(1));
}

TEST(ActionStopOwner, AnotherUsersProcessIsRefused) {
  if (::geteuid() != 0) {
    if (under_ci()) FAIL() << "CI is set, but not root (running a holder as another user needs it)";
    GTEST_SKIP() << "not root: cannot run a holder as uid 65534";
  }
  const std::uint16_t port = free_port();
  Child owner({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env",
               "BT_PORT=" + std::to_string(port), "BT_MAX_SECONDS=60", testprog("bt_hold")},
              Child::Options{.pipe_stdin = true});
  ASSERT_TRUE(owner.expect_line("ready")) << owner.drain_stderr();
  const Event done = act_on(conflict_on(port), stop_owner_allowing("bt_hold"));
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result, "refused: pid " + std::to_string(owner.pid()) +
                                     " (bt_hold) belongs to uid 65534, not to the failing process's uid 0 "
                                     "(--allow-uid 65534 allows it)");
  EXPECT_TRUE(alive(owner.pid()));
}

TEST(ActionStopOwner, WithoutATerminalToAskNothingIsStopped) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_hold", port);
  const Event done = act_on(conflict_on(port), stop_owner_allowing("bt_hold"), Consent::unavailable);
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->result, "refused: no terminal to confirm (use --yes)");
  EXPECT_TRUE(alive(owner->pid()));
}

TEST(ActionStopOwner, ANoIsRespectedAndNotAskedAgainWithinTheRateLimit) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_hold", port);
  const Event event = conflict_on(port);
  std::vector<std::string> questions;
  Delivered delivered;
  {
    ActionRunner runner(stop_owner_allowing("bt_hold"), delivered.callbacks([&](const std::string& q) {
      questions.push_back(q);
      return false;
    }),
                        Consent::ask);
    runner.submit(event);
    runner.submit(event);
    runner.drain();
    EXPECT_EQ(runner.stats().results.at("refused"), 1u);
    EXPECT_EQ(runner.stats().results.at("rate-limited"), 1u);
  }
  ASSERT_EQ(questions.size(), 1u);
  EXPECT_EQ(questions[0], "stop pid " + std::to_string(owner->pid()) +
                              " (bt_hold) holding tcp 0.0.0.0:" + std::to_string(port) + "? [y/N] ");
  const auto events = delivered.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action->result, "refused: not confirmed");
  EXPECT_EQ(events[1].action->result, "rate-limited");
  EXPECT_TRUE(alive(owner->pid()));
}

TEST(ActionStopOwner, EventsBeyondTheQueueAreRecordedAsSkipped) {
  const std::uint16_t port = free_port();
  auto owner = holder("bt_stubborn", port);
  const Event event = conflict_on(port);
  ActionOptions o = stop_owner_allowing("bt_stubborn");
  o.grace = 500ms;  // the first action holds the thread at least this long
  Delivered delivered;
  ActionStats stats;
  {
    ActionRunner runner(o, delivered.callbacks(), Consent::given, /*capacity=*/1);
    for (int i = 0; i < 3; ++i) runner.submit(event);
    runner.drain();
    stats = runner.stats();
  }
  const auto events = delivered.events();
  ASSERT_EQ(events.size(), 3u);  // every event is delivered, acted on or not
  std::uint64_t skipped = 0;
  for (const Event& e : events) {
    ASSERT_TRUE(e.action);
    if (e.action->result == "skipped: busy") ++skipped;
  }
  EXPECT_GE(skipped, 1u);
  EXPECT_EQ(stats.results["skipped"], skipped);
  EXPECT_EQ(owner->wait(), 128 + SIGKILL);
}


TEST(ActionStopUnit, SupervisorProgramIsStoppedThroughSupervisorctl) {
  const std::uint16_t port = free_port();
  Supervisord supervisord(bt_hold_program(port));
  const pid_t backend = supervisord.program_pid();
  ASSERT_GT(backend, 0) << supervisord.log();
  // Running is not yet listening: the owner is looked up once the port is held.
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << supervisord.log();
  const Event event = conflict_on(port);
  ASSERT_TRUE(event.owner && !event.owner->holders.empty());
  ASSERT_TRUE(event.owner->holders[0].service);
  ASSERT_EQ(event.owner->holders[0].service->name, "backend:backend");

  ActionOptions o;
  o.act = ActKind::stop_unit;
  o.allow_unit = {"backend:backend"};
  const Event done = act_on(event, o);
  ASSERT_TRUE(done.action);
  EXPECT_EQ(done.action->kind, "stop-unit");
  EXPECT_EQ(done.action->target, describe_service(*event.owner->holders[0].service));
  EXPECT_EQ(done.action->result, "stopped") << supervisord.log();
  EXPECT_TRUE(done.action->port_free_after);
  EXPECT_NE(supervisord.status().find("STOPPED"), std::string::npos) << supervisord.status();
  EXPECT_TRUE(eventually([&] { return !alive(backend); }));
  EXPECT_TRUE(bindable(port));
}

TEST(ActionStopUnit, SupervisorProgramOutsideTheAllowListKeepsRunning) {
  const std::uint16_t port = free_port();
  Supervisord supervisord(bt_hold_program(port));
  ASSERT_GT(supervisord.program_pid(), 0) << supervisord.log();
  ASSERT_TRUE(eventually([&] { return can_connect(port); })) << supervisord.log();
  ActionOptions o;
  o.act = ActKind::stop_unit;
  o.allow_unit = {"frontend:frontend"};
  const Event done = act_on(conflict_on(port), o);
  ASSERT_TRUE(done.action);
  EXPECT_TRUE(done.action->result.starts_with("refused: ")) << done.action->result;
  EXPECT_NE(supervisord.status().find("RUNNING"), std::string::npos) << supervisord.status();
}

TEST(ActionStopUnit, AMissingManagerCommandIsAFailureThatSaysSo) {
  const StopOutcome outcome = run_unit_stop({"bt-no-such-ctl", "stop", "x"}, 5s);
  EXPECT_EQ(outcome.result, "failed: bt-no-such-ctl not found");
}

TEST(ActionStopUnit, AManagerCommandThatFailsReportsItsFirstLine) {
  const StopOutcome outcome =
      run_unit_stop({"sh", "-c", "echo 'backend: ERROR (no such process)'; exit 1"}, 5s);
  EXPECT_EQ(outcome.result, "failed: sh exit 1: backend: ERROR (no such process)");
}

}  // namespace
}  // namespace bindtrace
