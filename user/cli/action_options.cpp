// The action options on the command line; every value
// is validated here so a typo is a usage error, never a surprise action.
#include <CLI/CLI.hpp>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/capture/filter_spec.hpp"
#include "bindtrace/cli/numbers.hpp"
#include "cli/commands.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

std::uint32_t parse_uid(const std::string& text) {
  const auto value = parse_number<std::uint64_t>(text);
  if (!value || *value > 0xfffffffeULL)
    throw UsageError("--allow-uid: '" + escape_for_terminal(text) + "' is not a uid");
  return static_cast<std::uint32_t>(*value);
}

std::uint16_t allowed_port(const std::string& text) {
  const auto value = parse_number<std::uint64_t>(text);
  if (!value || *value == 0 || *value > 65535)
    throw UsageError("--allow-port: '" + escape_for_terminal(text) + "' is not a port (1-65535)");
  return static_cast<std::uint16_t>(*value);
}

}  // namespace

void add_action_options(CLI::App& app, ActionOptions& o) {
  app.add_option_function<std::string>(
         "--exec",
         [&o](const std::string& v) {
           if (v.find_first_not_of(" \t") == std::string::npos) throw UsageError("--exec: the command is empty");
           o.exec = v;
         },
         "Run CMD (via /bin/sh -c) per event: event JSON on stdin, BINDTRACE_* in the environment")
      ->type_name("CMD");
  app.add_option_function<std::string>(
         "--exec-timeout",
         [&o](const std::string& v) { o.hook_timeout = std::chrono::milliseconds(parse_duration_ms("--exec-timeout", v)); },
         "Kill a hook still running after this long (default 10s)")
      ->type_name("DURATION");
  app.add_option_function<std::string>(
         "--act",
         [&o](const std::string& v) {
           if (v == "stop-owner") o.act = ActKind::stop_owner;
           else if (v == "stop-unit") o.act = ActKind::stop_unit;
           else if (v == "none") o.act = ActKind::none;
           else throw UsageError("--act: '" + v + "' is not stop-owner, stop-unit or none");
         },
         "Stop the blocking owner (stop-owner: SIGTERM, then SIGKILL) or its unit (stop-unit); needs --allow-*")
      ->type_name("ACTION");
  app.add_option_function<std::string>(
         "--grace",
         [&o](const std::string& v) { o.grace = std::chrono::milliseconds(parse_duration_ms("--grace", v)); },
         "Wait this long after SIGTERM before SIGKILL (default 10s)")
      ->type_name("DURATION");
  app.add_option_function<std::vector<std::string>>(
         "--allow-comm",
         [&o](const std::vector<std::string>& v) {
           for (const auto& s : v) {
             if (s.empty() || s.size() > 15) throw UsageError("--allow-comm: '" + s + "' must be 1 to 15 bytes");
             o.allow_comm.push_back(s);
           }
         },
         "Act only on owners with this command name; repeatable")
      ->type_name("COMM")->allow_extra_args(false);
  app.add_option_function<std::vector<std::string>>(
         "--allow-unit",
         [&o](const std::vector<std::string>& v) {
           for (const auto& s : v) {
             if (s.empty()) throw UsageError("--allow-unit: the name is empty");
             o.allow_unit.push_back(s);
           }
         },
         "Act only on owners started by this service (unit, supervisor program, container); repeatable")
      ->type_name("NAME")->allow_extra_args(false);
  app.add_option_function<std::vector<std::string>>(
         "--allow-uid", [&o](const std::vector<std::string>& v) { for (const auto& s : v) o.allow_uid.push_back(parse_uid(s)); },
         "Act only on owners of this uid; repeatable")
      ->type_name("UID")->allow_extra_args(false);
  app.add_option_function<std::vector<std::string>>(
         "--allow-port",
         [&o](const std::vector<std::string>& v) { for (const auto& s : v) o.allow_port.push_back(allowed_port(s)); },
         "Act only on conflicts on this port; repeatable")
      ->type_name("PORT")->allow_extra_args(false);
  app.add_option_function<std::string>(
         "--rate-limit",
         [&o](const std::string& v) { o.rate_limit = std::chrono::milliseconds(parse_duration_ms("--rate-limit", v)); },
         "At most one action per owner per this long (default 60s)")
      ->type_name("DURATION");
  app.add_flag("--dry-run", o.dry_run, "Print what would be done; change nothing");
  app.add_flag("-y,--yes", o.yes, "Do not ask for confirmation on a terminal");
}

}  // namespace bindtrace
