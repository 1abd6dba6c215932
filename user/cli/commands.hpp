// The subcommands behind run_cli; each returns the process exit code.
#pragma once

#include "bindtrace/cli.hpp"

namespace CLI {
class App;
}
#include "bindtrace/diagnose/diagnosis.hpp"

namespace bindtrace {

class JsonWriter;
class OwnerResolver;
struct ResolverOptions;

int run_trace(const CliRequest& request);
int run_info(const CliRequest& request);
int run_who(const CliRequest& request);
int run_check(const CliRequest& request);
int run_agent(const CliRequest& request);
int run_dump(const CliRequest& request);
int run_unpin(const CliRequest& request);
int run_audit(const CliRequest& request);

// --exec, --exec-timeout, --act, --grace, --allow-*, --rate-limit, --dry-run,
// --yes on `app` (user/cli/action_options.cpp).
void add_action_options(CLI::App& app, ActionOptions& options);

struct TakenPortVerdict {
  Diagnosis diagnosis;
  std::vector<std::uint16_t> alternatives;
};
// Diagnosis and nearest free ports for a port that is taken (who, check).
TakenPortVerdict judge_taken_port(Proto proto, std::uint16_t port, std::uint32_t netns, const Owner& owner);
// Its "diagnosis" and (when there are any) "alternatives" members, into an open object.
void write_verdict(JsonWriter& w, const TakenPortVerdict& verdict);

// The owner lookup of `who` and `check` (port_lookup.cpp): sock_diag, and the
// holders through the agent's pinned holder walk under --pin-dir when there is one.
[[nodiscard]] ResolverOptions port_lookup_options(const CliRequest& request);
// "holders_from" ("agent pins" or "proc scan") and, when an agent's pins were
// looked for but not used, "agent_pins" (why), into an open object.
void write_holders_from(JsonWriter& w, const OwnerResolver& resolver);

}  // namespace bindtrace
