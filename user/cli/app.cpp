// Command-line parsing (CLI11) into a CliRequest, and the top-level error
// handling that maps exceptions to the exit codes.
#include <CLI/CLI.hpp>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string_view>

#include "bindtrace/cli/edit_distance.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/capture/core_btf_cache.hpp"
#include "bindtrace/capture/filter_spec.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/cli/numbers.hpp"
#include "cli/commands.hpp"
#include "bindtrace/events/number_text.hpp"

namespace bindtrace {
namespace {

// "--option: 'text' why", with the text made safe for the terminal.
[[noreturn]] void reject(std::string_view option, std::string_view text, std::string_view why) {
  throw UsageError(std::string(option) + ": '" + escape_for_terminal(text) + "' " + std::string(why));
}

std::uint32_t parse_size_bytes(const std::string& text) {
  // "8M", "256K", "1G", "16777216": a power of two of at least one page.
  const auto value = parse_size(text);
  if (!value) reject("--ringbuf-size", text, "is not a size (e.g. 8M)");
  if (*value < 4096 || *value > (1ULL << 30) || (*value & (*value - 1)) != 0)
    reject("--ringbuf-size", text, "must be a power of two from 4K to 1024M");
  return static_cast<std::uint32_t>(*value);
}

std::uint64_t parse_count(const std::string& option, const std::string& text) {
  const auto value = parse_number<std::uint64_t>(text);
  if (!value || *value == 0) reject(option, text, "is not a positive number");
  return *value;
}

// A path option given as '' is a slip, never "the default".
std::string non_empty(std::string_view option, const std::string& value, std::string_view what = "path") {
  if (value.empty()) throw UsageError(std::string(option) + ": the " + std::string(what) + " is empty");
  return value;
}

// The trace options live on the top-level app, so `bindtrace --port 80` and
// `bindtrace trace --port 80` mean the same (subcommands fall through).
void add_trace_options(CLI::App& app, CliRequest& req) {
  FilterSpec& f = req.trace.capture.filter;
  app.add_flag("--json", req.json, "One JSON object per line on stdout");
  app.add_option_function<std::string>(
         "--color,--colour",
         [&req](const std::string& v) {
           if (v == "auto") req.colour = ColourMode::auto_;
           else if (v == "always") req.colour = ColourMode::always;
           else if (v == "never") req.colour = ColourMode::never;
           else reject("--color", v, "is not auto, always or never");
         },
         "Colour in text mode: auto|always|never")
      ->type_name("WHEN");
  app.add_option_function<std::vector<std::string>>(
         "-p,--port", [&f](const std::vector<std::string>& v) { for (const auto& s : v) add_port_spec(f, s); },
         "Only these ports; repeatable; ranges like 8000-8099")
      ->type_name("PORT[-PORT]")->allow_extra_args(false);
  app.add_option_function<std::string>("--pid", [&f](const std::string& v) { set_pid_spec(f, v); },
                                       "Only this process (tgid)");
  app.add_option_function<std::string>("--comm", [&f](const std::string& v) { set_comm_spec(f, v); },
                                       "Only commands starting with this (at most 15 bytes)");
  app.add_option_function<std::vector<std::string>>(
         "-e,--errno", [&f](const std::vector<std::string>& v) { for (const auto& s : v) add_errno_spec(f, s); },
         "Only these errors (EADDRINUSE, 98, ...); repeatable")
      ->type_name("NAME|NUM")->allow_extra_args(false);
  app.add_option_function<std::string>(
      "--cgroup", [&f](const std::string& v) { set_cgroup_spec(f, v, find_cgroup2_mount()); },
      "Only processes in this cgroup v2 directory or below");
  app.add_option_function<std::string>("--netns", [&f](const std::string& v) { set_netns_spec(f, v); },
                                       "Only this network namespace: PID, nsfs PATH or INODE");
  app.add_flag("--all", f.all_binds, "Also show successful binds");
  app.add_option_function<std::string>(
         "--attach",
         [&req](const std::string& v) {
           if (v == "auto") {
             req.trace.attach.reset();
             return;
           }
           auto tier = parse_tier(v);
           if (!tier) reject("--attach", v, "is not auto, fentry, kprobe, tracepoint or raw");
           req.trace.attach = tier;
         },
         "Hook tier: auto|fentry|kprobe|tracepoint|raw (a forced tier disables fallback)")
      ->type_name("TIER");
  app.add_option_function<std::string>(
         "-d,--duration", [&req](const std::string& v) { req.trace.duration_ms = parse_duration_ms("--duration", v); },
         "Stop after this long (30s, 5m, 1h)")
      ->type_name("DURATION");
  app.add_option_function<std::string>(
         "-n,--max-events", [&req](const std::string& v) { req.trace.max_events = parse_count("--max-events", v); },
         "Stop after this many events")
      ->type_name("N");
  app.add_option_function<std::string>(
         "--ringbuf-size",
         [&req](const std::string& v) { req.trace.capture.ringbuf_bytes = parse_size_bytes(v); },
         "Kernel ring buffer size (default 8M)")
      ->type_name("SIZE");
  app.add_option_function<std::string>(
         "--key-budget",
         [&req](const std::string& v) {
           const auto value = parse_number<std::uint64_t>(v);
           if (!value || *value > 10'000'000) reject("--key-budget", v, "is not a number from 0 to 10000000");
           req.trace.capture.key_budget = static_cast<std::uint32_t>(*value);
         },
         "Events per second shown in full for one process, endpoint and error; the rest are counted in the kernel (default 200, 0: no limit)")
      ->type_name("N");
  app.add_flag("--batch", req.trace.capture.batched,
               "Batched wake-ups for failure storms (drained every few ms)");
  app.add_flag_callback("--no-owner", [&req] { req.resolve_owner = false; },
                        "Do not look up who blocks the endpoint (events are still attributed and diagnosed)");
  app.add_option_function<std::string>(
         "--owner-path",
         [&req](const std::string& v) {
           if (v == "index") req.owner_path = OwnerSource::index;
           else if (v == "iterators") req.owner_path = OwnerSource::iterators;
           else if (v == "sock_diag") req.owner_path = OwnerSource::sock_diag;
           else if (v == "auto") req.owner_path.reset();
           else reject("--owner-path", v, "is not auto, index, iterators or sock_diag");
         },
         "Force one owner lookup path: auto|index|iterators|sock_diag")
      ->type_name("PATH");
  app.add_option_function<std::string>(
         "--btf",
         [&req](const std::string& v) {
           check_btf_file(v);
           req.trace.capture.btf_path = v;
         },
         "External BTF file when the kernel has none")
      ->type_name("FILE");
  app.add_flag_function(
      "--no-btf-cache", [&req](std::int64_t) { req.trace.capture.core_btf_dir.clear(); },
      "Parse the kernel's BTF at every start instead of a minimal BTF cached under " +
          std::string(kCoreBtfCacheDir));
}

// The candidate `word` is most likely a typo of: the nearest within a third
// of its length (at least one edit), else the only one `word` begins.
std::optional<std::string> nearest(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const std::string& c : candidates) {
    const std::size_t distance = edit_distance(word, c);
    if (distance <= std::max<std::size_t>(1, (c.size() + 1) / 3) && (!best || distance < best_distance)) {
      best = c;
      best_distance = distance;
    }
  }
  if (best || word.empty()) return best;
  for (const std::string& c : candidates) {
    if (!c.starts_with(word)) continue;
    if (best) return std::nullopt;  // ambiguous
    best = c;
  }
  return best;
}

std::string did_you_mean(const std::optional<std::string>& hint, std::string_view prefix = "") {
  return hint ? " (did you mean '" + std::string(prefix) + *hint + "'?)" : "";
}

const std::vector<std::string> kCommands = {"trace", "info", "who", "check", "agent", "dump", "unpin", "audit"};

// The first argument CLI11 could not place, said for a person: an unknown
// command, an unknown option, an option of another command, or a word the
// command does not take. Names the argument, with the nearest known one.
std::string unexpected_argument(CLI::App& app, const std::vector<std::string>& args) {
  const std::vector<std::string> extras = app.remaining(true);
  if (extras.empty()) return "unexpected argument; see bindtrace --help";
  std::string first = extras.front();
  // CLI11 splits "-v=x" into "-v" and "-=x": name the argument as typed.
  if (std::find(args.begin(), args.end(), first) == args.end()) {
    for (const std::string& a : args)
      if (a.size() > first.size() && a[0] == '-' && a.ends_with(first.substr(1))) {
        first = a;
        break;
      }
  }
  std::string command;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (sub->parsed()) command = sub->get_name();
  const std::string current = command.empty() ? "trace" : command;

  if (first.size() > 1 && first[0] == '-') {
    const std::string name = first.substr(0, first.find('='));
    std::vector<std::string> owners;
    if (app.get_option_no_throw(name))
      owners = {"trace", "info", "who", "check", "agent", "dump", "audit"};  // they fall through to the top
    std::vector<std::string> long_names;
    auto add_long_names = [&long_names](const CLI::App& a) {
      for (const CLI::Option* o : a.get_options())
        long_names.insert(long_names.end(), o->get_lnames().begin(), o->get_lnames().end());
    };
    add_long_names(app);
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      if (sub->get_option_no_throw(name)) owners.push_back(sub->get_name());
      add_long_names(*sub);
    }
    if (owners.empty()) {
      const std::size_t dashes = name.find_first_not_of('-');
      const std::string bare = dashes == std::string::npos ? "" : name.substr(dashes);
      return "unknown option '" + escape_for_terminal(first) + "'" +
             (bare.empty() ? "" : did_you_mean(nearest(bare, long_names), "--"));
    }
    if (std::find(owners.begin(), owners.end(), current) != owners.end())
      return escape_for_terminal(name) + ": takes no value ('" + escape_for_terminal(first) + "')";
    std::string list;
    for (std::size_t i = 0; i < owners.size(); ++i)
      list += (i == 0 ? "" : i + 1 == owners.size() ? " and " : ", ") + owners[i];
    return escape_for_terminal(name) + ": not an option of " + current + " (only " + list +
           (owners.size() == 1 ? " takes" : " take") + " it)";
  }
  if (command.empty())
    return "unknown command '" + escape_for_terminal(first) + "'" + did_you_mean(nearest(first, kCommands)) +
           "; commands: trace, info, who, check, agent, dump, unpin, audit";
  return "unexpected argument '" + escape_for_terminal(first) + "': " + current + " takes no arguments";
}

// `bindtrace ... | head -1`: the reader is gone once stdout is a pipe that
// reports an error for writing.
bool stdout_reader_gone() {
  struct stat st {};
  if (::fstat(STDOUT_FILENO, &st) != 0 || !S_ISFIFO(st.st_mode)) return false;
  pollfd p{STDOUT_FILENO, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

// --pin-dir of agent and unpin: they create and empty this directory, so it
// must be one of bpffs.
auto managed_pin_dir_setter(CliRequest& req) {
  return [&req](const std::string& v) {
    check_pin_dir("--pin-dir", v);
    req.pin_dir = v;
  };
}

// Step of parse_cli: the agent subcommand and its options.
CLI::App* add_agent_command(CLI::App& app, CliRequest& req) {
  CLI::App* agent = app.add_subcommand("agent", "Run until stopped: log, metrics, flight recorder, actions");
  agent->add_option_function<std::string>(
           "--config", [&req](const std::string& v) { req.agent.config_path = non_empty("--config", v); },
           "TOML configuration (see deploy/bindtrace.toml)")
      ->type_name("FILE");
  agent->add_option_function<std::string>("--log", [&req](const std::string& v) { req.agent.log_path = non_empty("--log", v); },
                                          "Event log (JSON lines), overrides [log] path")
      ->type_name("PATH");
  agent->add_option_function<std::string>("--metrics", [&req](const std::string& v) { req.agent.metrics_address = v; },
                                          "Prometheus address (127.0.0.1:9464; 'off' disables), overrides [metrics]")
      ->type_name("ADDR");
  agent->add_option_function<std::string>("--pin-dir", managed_pin_dir_setter(req),
                                          "bpffs directory for pinned links and the flight recorder")
      ->type_name("DIR");
  agent->fallthrough();
  return agent;
}

// Step of parse_cli: the dump subcommand and its options.
CLI::App* add_dump_command(CLI::App& app, CliRequest& req) {
  CLI::App* dump = app.add_subcommand("dump", "Post-mortem: merge the event logs and the flight recorder");
  dump->add_option_function<std::string>(
          "--log", [&req](const std::string& v) { req.dump.log_path = non_empty("--log", v); },
          "The agent's event log (rotated files PATH.1 ... are read too)")
      ->type_name("PATH");
  dump->add_option_function<std::string>(
          "--since", [&req](const std::string& v) { req.dump.since = non_empty("--since", v, "time"); },
          "From this time: 10m, 2h, 1d ago, or 2026-11-22T01:00:00Z")
      ->type_name("WHEN");
  dump->add_option_function<std::string>(
          "--until", [&req](const std::string& v) { req.dump.until = non_empty("--until", v, "time"); },
          "Up to this time (same forms as --since)")
      ->type_name("WHEN");
  dump->add_flag_callback("--no-recorder", [&req] { req.dump.recorder = false; },
                          "Do not read the kernel flight recorder");
  dump->add_option_function<std::string>(
          "--pin-dir", [&req](const std::string& v) { req.pin_dir = non_empty("--pin-dir", v); },
          "bpffs directory of the flight recorder")
      ->type_name("DIR");
  dump->fallthrough();
  return dump;
}

// Step of parse_cli: the unpin subcommand and its option.
CLI::App* add_unpin_command(CLI::App& app, CliRequest& req) {
  CLI::App* unpin = app.add_subcommand("unpin", "Detach the agent's pinned programs and remove the flight recorder");
  unpin->add_option_function<std::string>("--pin-dir", managed_pin_dir_setter(req), "bpffs directory to clear")->type_name("DIR");
  return unpin;
}

// `audit [--root DIR] [--user USER]... [--live|--no-live] [PATH...]`.
CLI::App* add_audit_command(CLI::App& app, CliRequest& req) {
  CLI::App* audit = app.add_subcommand("audit", "Find ports two configured services will both claim");
  audit->add_option_function<std::string>(
           "--root", [&req](const std::string& v) { req.audit.root = non_empty("--root", v); },
           "Read the definitions under DIR instead of / (a copy of /etc, /usr/lib, /home)")
      ->type_name("DIR");
  audit->add_option_function<std::vector<std::string>>(
           "--user",
           [&req](const std::vector<std::string>& v) {
             for (const std::string& user : v) req.audit.users.push_back(non_empty("--user", user));
           },
           "Read only these users' units and quadlets (default: every home)")
      ->type_name("USER")
      ->allow_extra_args(false);
  CLI::Option* live = audit->add_flag_function(
      "--live", [&req](std::int64_t) { req.audit.live = true; },
      "Look up what holds the declared ports now (the default without --root)");
  audit->add_flag_function("--no-live", [&req](std::int64_t) { req.audit.live = false; },
                           "Read the definitions only")
      ->excludes(live);
  audit->add_option("paths", req.audit.paths, "Extra unit, quadlet, compose, supervisor, postgresql.conf or .env files")
      ->type_name("PATH");
  audit->fallthrough();
  return audit;
}

// Step of parse_cli: the PORT arguments of who and check, as port specs.
void collect_ports(CliRequest& req, const std::vector<std::string>& port_args) {
  for (const std::string& arg : port_args) {
    for (PortSpec& spec : parse_port_arg(req.command == Command::who ? "who" : "check", arg,
                                         req.command == Command::check)) {
      req.ports.push_back(std::move(spec));
      req.ports_any_proto.push_back(arg.find('/') == std::string::npos);
    }
  }
}

}  // namespace

CliRequest parse_cli(const std::vector<std::string>& args) {
  CliRequest req;
  req.trace.capture.core_btf_dir = kCoreBtfCacheDir;
  CLI::App app{"bindtrace: trace failed bind()/listen()/connect() and say who blocks them", "bindtrace"};
  app.set_version_flag("--version", std::string("bindtrace ") + BINDTRACE_VERSION);
  app.add_flag("-v,--verbose", req.verbose, "Show libbpf's debug output");
  add_trace_options(app, req);
  add_action_options(app, req.actions);
  app.require_subcommand(0, 1);
  CLI::App* trace = app.add_subcommand("trace", "Print every failed bind/listen/connect (the default)");
  trace->fallthrough();
  CLI::App* info = app.add_subcommand("info", "Kernel facts and each hook tier's trial");
  info->fallthrough();
  std::vector<std::string> port_args;
  CLI::App* who = app.add_subcommand("who", "Who holds these ports (or every listening socket)");
  who->add_option("ports", port_args, "PORT[/tcp|/udp] ...")->type_name("PORT");
  who->add_option_function<std::string>("--pin-dir", managed_pin_dir_setter(req),
                                        "A running agent's pin directory: its holder walk replaces the /proc scan")
      ->type_name("DIR");
  who->fallthrough();
  CLI::App* check = app.add_subcommand("check", "Pre-deployment check: are these ports free?");
  check->add_option("ports", port_args, "PORT|RANGE[/tcp|/udp] ...")->type_name("PORT");
  check->add_option_function<std::string>(
           "--from", [&req](const std::string& v) { req.from_file = non_empty("--from", v); },
           "Take ports from a .env (*_PORT=) or docker-compose file")
      ->type_name("FILE");
  check->add_option_function<std::string>("--pin-dir", managed_pin_dir_setter(req),
                                          "A running agent's pin directory: its holder walk replaces the /proc scan")
      ->type_name("DIR");
  check->fallthrough();
  CLI::App* agent = add_agent_command(app, req);
  CLI::App* dump = add_dump_command(app, req);
  CLI::App* unpin = add_unpin_command(app, req);
  CLI::App* audit = add_audit_command(app, req);

  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    req.early_output = app.help();
    return req;
  } catch (const CLI::CallForAllHelp&) {
    req.early_output = app.help("", CLI::AppFormatMode::All);
    return req;
  } catch (const CLI::CallForVersion& e) {
    req.early_output = std::string(e.what()) + "\n";
    return req;
  } catch (const CLI::ExtrasError&) {
    throw UsageError(unexpected_argument(app, args));
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (auto nl = message.find('\n'); nl != std::string::npos) message.resize(nl);
    throw UsageError(message);
  }
  if (info->parsed()) req.command = Command::info;
  if (agent->parsed()) req.command = Command::agent;
  if (dump->parsed()) req.command = Command::dump;
  if (unpin->parsed()) req.command = Command::unpin;
  if (audit->parsed()) req.command = Command::audit;
  if (who->parsed() || check->parsed()) {
    req.command = who->parsed() ? Command::who : Command::check;
    collect_ports(req, port_args);
    if (req.command == Command::check && req.ports.empty() && req.from_file.empty())
      throw UsageError("check: name at least one PORT or RANGE, or --from FILE");
  }
  return req;
}

int run_cli(int argc, char** argv) {
  // A reader that goes away (`| head -1`) is a write error, not a signal: the
  // command stops quietly with status 0 (see stdout_reader_gone).
  std::signal(SIGPIPE, SIG_IGN);
  try {
    const CliRequest req = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (req.early_output) {
      std::fputs(req.early_output->c_str(), stdout);
      return 0;
    }
    switch (req.command) {
      case Command::trace: return run_trace(req);
      case Command::info: return run_info(req);
      case Command::who: return run_who(req);
      case Command::check: return run_check(req);
      case Command::agent: return run_agent(req);
      case Command::dump: return run_dump(req);
      case Command::unpin: return run_unpin(req);
      case Command::audit: return run_audit(req);
    }
    return 0;
  } catch (const Error& e) {
    if (stdout_reader_gone()) return 0;
    std::fprintf(stderr, "bindtrace: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    if (stdout_reader_gone()) return 0;
    std::fprintf(stderr, "bindtrace: %s\n", e.what());
    return static_cast<int>(ExitCode::runtime);
  }
}

}  // namespace bindtrace
