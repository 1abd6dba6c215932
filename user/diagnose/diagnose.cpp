// diagnose(): one failure (with its owner and both sides' services) -> a
// code, a one-line summary and remedies a person can paste. A pure function:
// the rules run in the order docs/diagnosis.md lists, the first match wins.
// Also the program identity (identity_of, same_program) the rules and the
// restart history rely on.
#include "bindtrace/diagnose/diagnose.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <string_view>

#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

// ---------------------------------------------------------------- text helpers

// One argument for a POSIX shell: as is when every byte is harmless, else in
// single quotes (a quote inside becomes '\'').
std::string shell_quote(std::string_view arg) {
  constexpr std::string_view kSafe =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789@%_+=:,./-";
  if (!arg.empty() && arg.find_first_not_of(kSafe) == std::string_view::npos) return std::string(arg);
  std::string quoted = "'";
  for (const char c : arg) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  quoted += '\'';
  return quoted;
}

// A remedy: a command line, and after "  # " why (escaped: a newline in an
// untrusted name must not end the comment and start a command).
std::string with_note(std::string command, std::string_view note) {
  if (note.empty()) return command;
  return command + "  # " + escape_for_terminal(note);
}

// 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th.
std::string ordinal(std::uint32_t n) {
  const std::uint32_t tens = n % 100;
  const char* suffix = "th";
  if (tens < 11 || tens > 13) {
    switch (n % 10) {
      case 1:
        suffix = "st";
        break;
      case 2:
        suffix = "nd";
        break;
      case 3:
        suffix = "rd";
        break;
      default:
        break;
    }
  }
  return std::to_string(n) + suffix;
}

std::string_view basename_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

// /proc/PID/exe of a replaced binary reads "/usr/bin/x (deleted)".
std::string strip_deleted(std::string exe) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (std::string_view(exe).ends_with(kDeleted)) exe.resize(exe.size() - kDeleted.size());
  return exe;
}

std::string seconds_text(std::int64_t ms) {
  return std::to_string((ms + 999) / 1000) + " s";
}

// "3 h 5 min", "42 s": how long ago a holder started.
std::string age_text(std::uint64_t ns) {
  const std::uint64_t s = ns / 1'000'000'000ULL;
  if (s < 120) return std::to_string(s) + " s";
  if (s < 7200) return std::to_string(s / 60) + " min";
  if (s < 172800) return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  return std::to_string(s / 86400) + " days";
}

// ---------------------------------------------------------------- program identity

enum class Interpreter : std::uint8_t { none, python, node, bun, deno, ruby, perl, java, php };

// python3.12 -> python, ruby3.1 -> ruby, nodejs -> node.
Interpreter interpreter_of(std::string_view name) {
  if (name.starts_with("python") || name.starts_with("pypy")) return Interpreter::python;
  while (!name.empty() && ((name.back() >= '0' && name.back() <= '9') || name.back() == '.'))
    name.remove_suffix(1);
  if (name == "node" || name == "nodejs") return Interpreter::node;
  if (name == "bun") return Interpreter::bun;
  if (name == "deno") return Interpreter::deno;
  if (name == "ruby") return Interpreter::ruby;
  if (name == "perl") return Interpreter::perl;
  if (name == "java") return Interpreter::java;
  if (name == "php") return Interpreter::php;
  return Interpreter::none;
}

// How an interpreter's command line names what it runs.
struct Syntax {
  std::vector<std::string_view> value_options;   // take the next word as their value
  std::vector<std::string_view> inline_options;  // "-c CODE", "-e CODE": the code is the program
  std::vector<std::string_view> module_options;  // "-m MODULE": resolved through the cwd/sys.path
  std::vector<std::string_view> script_options;  // "-jar FILE", "-f FILE"
  std::vector<std::string_view> subcommands;     // "deno run", "bun run": skipped
};

const Syntax& syntax_of(Interpreter interpreter) {
  static const Syntax kPython{{"-W", "-X", "-Q"}, {"-c"}, {"-m"}, {}, {}};
  static const Syntax kNode{
      {"-r", "--require", "--loader", "--experimental-loader", "--import", "-C", "--conditions"},
      {"-e", "--eval", "-p", "--print"},
      {},
      {},
      {}};
  static const Syntax kBun{{"-r", "--preload", "--cwd"}, {"-e", "--eval", "-p", "--print"}, {}, {}, {"run"}};
  static const Syntax kDeno{{"--config", "-c", "--import-map", "--location"}, {}, {}, {}, {"run", "serve"}};
  static const Syntax kRuby{{"-I", "-r", "-C"}, {"-e"}, {}, {}, {}};
  static const Syntax kPerl{{"-I", "-M", "-m"}, {"-e", "-E"}, {}, {}, {}};
  static const Syntax kJava{{"-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules",
                             "--add-opens", "--add-exports", "--add-reads"},
                            {},
                            {"-m", "--module"},
                            {"-jar"},
                            {}};
  static const Syntax kPhp{{"-c", "-d", "-t", "-z"}, {"-r"}, {"-S"}, {"-f"}, {}};
  static const Syntax kNone{};
  switch (interpreter) {
    case Interpreter::python:
      return kPython;
    case Interpreter::node:
      return kNode;
    case Interpreter::bun:
      return kBun;
    case Interpreter::deno:
      return kDeno;
    case Interpreter::ruby:
      return kRuby;
    case Interpreter::perl:
      return kPerl;
    case Interpreter::java:
      return kJava;
    case Interpreter::php:
      return kPhp;
    case Interpreter::none:
      break;
  }
  return kNone;
}

bool one_of(std::string_view word, const std::vector<std::string_view>& set) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

// What an interpreter runs: "-m uvicorn", "/opt/app/venv/bin/uvicorn",
// "app.py", "-jar x.jar"; `relative` when the cwd decides which file that is.
struct Script {
  Interpreter interpreter = Interpreter::none;
  std::string key;
  std::string display;  // what a person calls it: "uvicorn", "app.py", "python3 -m uvicorn"
  bool relative = false;
  bool module = false;  // found through the cwd when local: compared with the cwd when both are known
  std::vector<std::string> rest;  // the arguments after it
};

Script script_of(const ProgramIdentity& id) {
  Script script;
  const std::string_view runner = !id.exe.empty()    ? basename_of(id.exe)
                                  : !id.argv.empty() ? basename_of(id.argv.front())
                                                     : std::string_view{};
  script.interpreter = interpreter_of(runner);
  if (script.interpreter == Interpreter::none) return script;
  const Syntax& syntax = syntax_of(script.interpreter);
  const std::string interpreter_name(id.argv.empty() ? runner : basename_of(id.argv.front()));
  bool subcommand_allowed = !syntax.subcommands.empty();
  for (std::size_t i = 1; i < id.argv.size(); ++i) {
    const std::string& word = id.argv[i];
    auto take = [&](std::string key, std::string display, bool relative, bool module) {
      script.key = std::move(key);
      script.display = std::move(display);
      script.relative = relative;
      script.module = module;
      script.rest.assign(id.argv.begin() + static_cast<std::ptrdiff_t>(std::min(i + 2, id.argv.size())),
                         id.argv.end());
    };
    const bool has_value = i + 1 < id.argv.size();
    if (one_of(word, syntax.module_options) && has_value) {
      take(word + " " + id.argv[i + 1], interpreter_name + " " + word + " " + id.argv[i + 1], false, true);
      return script;
    }
    if (one_of(word, syntax.script_options) && has_value) {
      const std::string& file = id.argv[i + 1];
      take(word + " " + file, std::string(basename_of(file)), !file.starts_with('/'), false);
      return script;
    }
    if (one_of(word, syntax.inline_options) && has_value) {
      take(word + " " + id.argv[i + 1], interpreter_name + " " + word, false, false);
      return script;
    }
    if (script.interpreter == Interpreter::python && word.starts_with("-m") && word.size() > 2) {
      const std::string module = word.substr(2);  // "-muvicorn"
      script.key = "-m " + module;
      script.display = interpreter_name + " -m " + module;
      script.module = true;
      script.rest.assign(id.argv.begin() + static_cast<std::ptrdiff_t>(i + 1), id.argv.end());
      return script;
    }
    if (one_of(word, syntax.value_options)) {
      ++i;
      continue;
    }
    if (word.starts_with('-') && word != "-") continue;
    if (subcommand_allowed && one_of(word, syntax.subcommands)) {
      subcommand_allowed = false;
      continue;
    }
    // The script itself; Java's main class is resolved through the classpath like a module.
    script.key = word;
    script.display = script.interpreter == Interpreter::java ? word : std::string(basename_of(word));
    script.relative = script.interpreter != Interpreter::java && !word.starts_with('/');
    script.module = script.interpreter == Interpreter::java;
    script.rest.assign(id.argv.begin() + static_cast<std::ptrdiff_t>(i + 1), id.argv.end());
    return script;
  }
  return script;  // an interactive interpreter or a form we do not know: key stays empty
}

// The executable a native program runs: /proc/PID/exe, else an absolute argv[0].
std::string program_path(const ProgramIdentity& id) {
  if (!id.exe.empty()) return id.exe;
  if (!id.argv.empty() && id.argv.front().starts_with('/')) return id.argv.front();
  return {};
}

bool same_native_program(const ProgramIdentity& a, const ProgramIdentity& b) {
  if (a.argv.empty() || b.argv.empty()) {
    // Only the executable is known on one side: arguments cannot be compared.
    return false;
  }
  const std::string path_a = program_path(a);
  const std::string path_b = program_path(b);
  const bool same_arguments = std::equal(a.argv.begin() + 1, a.argv.end(), b.argv.begin() + 1, b.argv.end());
  if (!path_a.empty() && !path_b.empty()) return path_a == path_b && same_arguments;
  // One executable unknown (the process exited): the whole command line must match, and
  // name a path (a bare name is no better than comm); a relative path needs the same cwd.
  if (a.argv != b.argv) return false;
  const std::string& argv0 = a.argv.front();
  if (argv0.find('/') == std::string::npos) return false;
  if (!argv0.starts_with('/')) return !a.cwd.empty() && a.cwd == b.cwd;
  return true;
}

bool same_interpreted_program(const ProgramIdentity& a, const ProgramIdentity& b) {
  const Script sa = script_of(a);
  const Script sb = script_of(b);
  if (sa.interpreter != sb.interpreter || sa.key.empty() || sa.key != sb.key) return false;
  if (sa.relative && (a.cwd.empty() || a.cwd != b.cwd)) return false;
  if (sa.module && !a.cwd.empty() && !b.cwd.empty() && a.cwd != b.cwd) return false;
  // Runners (uvicorn, gunicorn, npm) name the application next: "uvicorn app:app" vs
  // "uvicorn other:app" are different programs. Compared only when both put it first.
  if (!sa.rest.empty() && !sb.rest.empty() && !sa.rest.front().starts_with('-') &&
      !sb.rest.front().starts_with('-') && sa.rest.front() != sb.rest.front()) {
    return false;
  }
  return true;
}

// "uvicorn", "nginx", "python3 -m http.server": what a person calls the program.
std::string program_display(const ProgramIdentity& id) {
  const Script script = script_of(id);
  if (!script.display.empty()) return script.display;
  if (!id.exe.empty()) return std::string(basename_of(id.exe));
  if (!id.argv.empty()) {
    const std::string_view first = basename_of(id.argv.front());
    if (!first.empty()) return std::string(first);
  }
  return id.comm;
}

// ---------------------------------------------------------------- services

bool has_note(const Service& s, std::string_view prefix) {
  return std::any_of(s.notes.begin(), s.notes.end(),
                     [&](const std::string& n) { return n.starts_with(prefix); });
}

bool is_container_manager(std::string_view m) {
  return m == "docker" || m == "podman" || m == "containerd" || m == "cri-o" || m == "kubernetes" ||
         m == "lxc";
}

// No manager restarts it: a shell, a terminal multiplexer, an orphan.
bool is_interactive(const std::optional<Service>& s) {
  if (!s) return true;
  const std::string& m = s->manager;
  return m.empty() || m == "none" || m == "adhoc" || m == "tmux" || m == "screen" ||
         (m == "systemd" && (s->scope == "session" || has_note(*s, "interactive")));
}

// The same manager entry: same manager, same name, same level.
bool same_manager_entry(const Service& a, const Service& b) {
  return a.manager == b.manager && a.name == b.name && a.scope == b.scope && a.uid == b.uid;
}

enum class Level : std::uint8_t { unknown, system, user };

// A systemd system unit, or something a user's manager runs (a user unit, a rootless container).
Level level_of(const std::optional<Service>& s) {
  if (!s) return Level::unknown;
  if (s->manager == "systemd") {
    if (s->scope == "system") return Level::system;
    if (s->scope == "user") return Level::user;
    return Level::unknown;
  }
  if (is_container_manager(s->manager) && s->uid && *s->uid != 0) return Level::user;
  if (s->outer.starts_with("user@") || (!s->outer.empty() && s->scope == "user")) return Level::user;
  return Level::unknown;
}

// A container name or id `docker stop` takes; forwarders sometimes only know "container at IP".
bool is_container_ref(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// What a person reads: "systemd unit x.service", "docker (container at 172.17.0.2:8000)".
std::string service_phrase(const Service& s) {
  if (is_container_manager(s.manager) && !is_container_ref(s.name) && s.pod_uid.empty()) {
    return s.manager + " (" + s.name + ")";
  }
  // The partial note belongs to the process line, not to a one-line summary.
  Service without_partial = s;
  without_partial.partial.clear();
  return describe_service(without_partial);
}

std::string systemctl(const Service& s) {
  std::string cmd = "systemctl ";
  if (s.scope == "user") cmd += "--user ";
  return cmd;
}

std::string user_note(const Service& s) {
  return s.scope == "user" && s.uid ? "run it as uid " + std::to_string(*s.uid) : std::string{};
}

std::string join_notes(std::string a, std::string_view b) {
  if (a.empty()) return std::string(b);
  if (b.empty()) return a;
  return a + "; " + std::string(b);
}

// The supervisor program section: "backend:backend" -> "backend".
std::string supervisor_program(const Service& s) {
  if (!s.program.empty()) return s.program;
  const std::size_t colon = s.name.find(':');
  return colon == std::string::npos ? s.name : s.name.substr(colon + 1);
}

std::string kill_command(std::uint32_t pid) {
  return "kill -TERM " + std::to_string(pid);
}

// The command that stops the instance `pid` runs under `s` and keeps it from
// coming back, with a note; `port` names the published port for lookups.
std::string stop_remedy(const std::optional<Service>& service, std::uint32_t pid, std::uint16_t port,
                        std::string_view why) {
  if (!service || is_interactive(service)) {
    std::string where;
    if (service && service->manager == "tmux") {
      where = "it runs in " + service->name;
      for (const std::string& note : service->notes)
        if (note.starts_with("pane ")) where += ", " + note;
    } else if (service && service->manager == "screen") {
      where = "it runs in " + service->name;
    }
    return with_note(kill_command(pid), join_notes(std::string(why), where));
  }
  const Service& s = *service;
  const std::string& m = s.manager;
  if (m == "systemd") {
    if (s.name.ends_with(".service"))
      return with_note(systemctl(s) + "disable --now " + shell_quote(s.name),
                       join_notes(std::string(why), user_note(s)));
    return with_note(systemctl(s) + "stop " + shell_quote(s.name),
                     join_notes(std::string(why), user_note(s)));
  }
  if (m == "supervisor") {
    if (s.name.empty()) {
      return with_note("supervisorctl status",
                       join_notes(std::string(why), "find the program running pid " + std::to_string(pid)));
    }
    return with_note("supervisorctl stop " + shell_quote(s.name),
                     join_notes(std::string(why), "then remove its [program:" + supervisor_program(s) +
                                                      "] section and run supervisorctl update"));
  }
  if (m == "pm2") return with_note("pm2 delete " + shell_quote(s.name) + " && pm2 save", why);
  if (m == "runit")
    return with_note(
        "sv down " + shell_quote(s.name),
        join_notes(std::string(why), "remove its link from the service directory to keep it down"));
  if (m == "s6") return with_note("s6-svc -d " + shell_quote("/run/service/" + s.name), why);
  if (m == "openrc")
    return with_note("rc-service " + shell_quote(s.name) + " stop && rc-update del " + shell_quote(s.name),
                     why);
  if (!s.pod_uid.empty() || m == "kubernetes") {
    // The kubelet restarts what is killed under it: find the pod, change its spec.
    return with_note(
        "kubectl get pods -A -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name,"
        "UID:.metadata.uid | grep " +
            shell_quote(s.pod_uid.empty() ? s.name : s.pod_uid),
        join_notes(std::string(why),
                   "the pod publishing the port: change its hostPort or expose it through a Service"));
  }
  if (m == "docker" || m == "podman") {
    std::string note = join_notes(std::string(why), user_note(s));
    if (s.uid && *s.uid != 0 && s.scope != "user")
      note = join_notes(note, "run it as uid " + std::to_string(*s.uid));
    if (!s.outer.empty()) {
      // A unit (quadlet, compose unit) starts this container: stopping the container alone does not last.
      Service unit;
      unit.scope = s.uid && *s.uid != 0 ? "user" : "system";
      return with_note(systemctl(unit) + "disable --now " + shell_quote(s.outer),
                       join_notes(note, "the unit that runs " + m + " container " + s.name));
    }
    if (!is_container_ref(s.name)) {
      if (m == "docker")
        return with_note("docker ps --filter publish=" + std::to_string(port),
                         join_notes(note, "find the container, then docker stop it"));
      return with_note("podman ps --format '{{.Names}} {{.Ports}}' | grep ':" + std::to_string(port) + "->'",
                       join_notes(note, "find the container, then podman stop it"));
    }
    return with_note(m + " stop " + shell_quote(s.name),
                     join_notes(note, "and drop its --restart policy or compose entry"));
  }
  if (m == "cri-o" || m == "containerd")
    return with_note("crictl stop " + shell_quote(s.container_id.empty() ? s.name : s.container_id), why);
  if (m == "lxc") return with_note("lxc-stop -n " + shell_quote(s.name), why);
  return with_note(kill_command(pid), why);
}

// The command that restarts the managed copy, for someone who started a second one by hand.
std::optional<std::string> restart_command(const Service& s) {
  const std::string& m = s.manager;
  if (m == "systemd" && s.name.ends_with(".service")) return systemctl(s) + "restart " + shell_quote(s.name);
  if (m == "supervisor" && !s.name.empty()) return "supervisorctl restart " + shell_quote(s.name);
  if (m == "pm2") return "pm2 restart " + shell_quote(s.name);
  if ((m == "docker" || m == "podman") && is_container_ref(s.name))
    return m + " restart " + shell_quote(s.name);
  if (m == "runit") return "sv restart " + shell_quote(s.name);
  if (m == "openrc") return "rc-service " + shell_quote(s.name) + " restart";
  return std::nullopt;
}

// ---------------------------------------------------------------- the event's parts

bool is_forwarder(const Holder& h) {
  return h.service && (has_note(*h.service, "port forwarder") || has_note(*h.service, "conmon"));
}

bool is_containerized(const Holder& h) {
  return h.service && is_container_manager(h.service->manager);
}

bool is_socket_activated(const Holder& h) {
  return h.service && (!h.service->socket_unit.empty() || has_note(*h.service, "socket handed over") ||
                       has_note(*h.service, "socket activation"));
}

// Of several holders (a forked server, a passed fd), the one to name: the first that
// satisfies `pred`, preferring the lowest pid (usually the parent, which a stop must reach).
template <typename Pred>
const Holder* pick_holder(const Owner& owner, Pred pred) {
  const Holder* best = nullptr;
  for (const Holder& h : owner.holders) {
    if (pred(h) && (!best || h.pid < best->pid)) best = &h;
  }
  return best;
}

std::string endpoint_text(const Event& e) {
  return to_string(e.endpoint);
}

std::string port_text(const Event& e) {
  return "port " + std::to_string(e.endpoint.port);
}

std::string holder_text(const Holder& h) {
  std::string text = program_display(identity_of(h)) + " (pid " + std::to_string(h.pid);
  if (h.service) {
    const std::string phrase = service_phrase(*h.service);
    if (!phrase.empty()) text += ", " + phrase;
  }
  return text + ")";
}

std::string others_text(const Owner& owner) {
  if (owner.holders.size() <= 1) return {};
  const std::size_t more = owner.holders.size() - 1;
  return " and " + std::to_string(more) + (more == 1 ? " more process" : " more processes");
}

// "port 8002 is free: use it instead", the first alternative at or above `at_least`.
std::optional<std::string> free_port_remedy(const Event& e, std::uint32_t at_least = 0) {
  for (const std::uint16_t port : e.alternatives) {
    if (port >= at_least) return "port " + std::to_string(port) + " is free: use it instead";
  }
  return std::nullopt;
}

// The failing side is a container's port forwarder: its "-container-port" argument.
std::string container_port_of(const Event& e) {
  const auto argv = split_words(e.process.cmdline);
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "-container-port" || argv[i] == "--container-port") return argv[i + 1];
  }
  return std::to_string(e.endpoint.port);
}

bool failing_is_container(const Event& e) {
  return e.process.service && is_container_manager(e.process.service->manager);
}

std::optional<std::string> remap_remedy(const Event& e) {
  if (!failing_is_container(e)) return std::nullopt;
  const std::string target = container_port_of(e);
  const std::string host = !e.alternatives.empty() ? std::to_string(e.alternatives.front()) : "<free port>";
  return "publish the container on another host port instead (-p " + host + ":" + target + ")";
}

std::string started_text(const Event& e, const Holder& h) {
  if (h.start_time == 0 || e.boot_ns == 0) return {};
  const long ticks = sysconf(_SC_CLK_TCK);
  const std::uint64_t per_tick = 1'000'000'000ULL / static_cast<std::uint64_t>(ticks > 0 ? ticks : 100);
  const std::uint64_t started_ns = h.start_time * per_tick;
  if (started_ns > e.boot_ns) return {};
  return ", started " + age_text(e.boot_ns - started_ns) + " ago";
}

// ---------------------------------------------------------------- the rules

Diagnosis make(std::string code, std::string summary, std::vector<std::string> remedies = {}) {
  Diagnosis d;
  d.code = std::move(code);
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
  Diagnosis d = make("privileged_port", "port " + std::to_string(e.endpoint.port) + " is below " + start +
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
  if (s && s->manager == "systemd" && s->scope == "system" && s->name.ends_with(".service")) {
    d.remedies.push_back(with_note("systemctl edit " + shell_quote(s->name),
                                   "add under [Service]: AmbientCapabilities=CAP_NET_BIND_SERVICE"));
  } else if (!s || s->manager != "systemd") {
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
    Diagnosis d = make("address_not_available",
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
    if (v6 || (e.process.service && e.process.service->manager == "systemd")) {
      d.remedies.emplace_back(
          "at boot the address may not be up yet (IPv6 stays tentative during DAD): order the unit "
          "After=network-online.target");
    }
    return d;
  }
  Diagnosis d =
      make("address_not_available",
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
      "listen_conflict", std::move(summary),
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
  return make("time_wait", std::move(summary), std::move(remedies));
}

// Rule 5.
std::optional<Diagnosis> socket_activation(const Event& e, const Owner& owner) {
  const Holder* h = pick_holder(owner, is_socket_activated);
  if (owner.kind != OwnerKind::socket_activation && !h) return std::nullopt;
  if (!h && !owner.holders.empty()) h = &owner.holders.front();
  const Service* s = h && h->service ? &*h->service : nullptr;
  const bool user = s && s->scope == "user";
  const std::string ctl = user ? "systemctl --user " : "systemctl ";
  Diagnosis d;
  d.code = "socket_activation";
  if (s && h && !s->socket_unit.empty()) {
    const std::string& socket_unit = s->socket_unit;
    std::string service_unit = s->manager == "systemd" ? s->name : std::string{};
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
    d.code = "reuseport_mismatch";
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

// Rule 8.
std::optional<Diagnosis> system_vs_user(const Event& e, const Owner& owner) {
  const Level mine = level_of(e.process.service);
  if (mine == Level::unknown) return std::nullopt;
  const Holder* h = pick_holder(owner, [&](const Holder& x) {
    const Level theirs = level_of(x.service);
    return theirs != Level::unknown && theirs != mine;
  });
  if (!h) return std::nullopt;
  const Service& holder_service = *h->service;
  const Service& my_service = *e.process.service;
  const Service& user_side = mine == Level::user ? my_service : holder_service;
  const Service& system_side = mine == Level::user ? holder_service : my_service;
  const std::uint32_t user_pid = mine == Level::user ? e.process.pid : h->pid;
  const std::uint32_t system_pid = mine == Level::user ? h->pid : e.process.pid;
  Diagnosis d;
  d.code = "system_vs_user";
  d.summary = port_text(e) + " is wanted at system level by " + service_phrase(system_side) +
              " and at user level by " + service_phrase(user_side) + "; the " +
              (mine == Level::user ? "system" : "user") + " one holds it (" +
              program_display(identity_of(*h)) + ", pid " + std::to_string(h->pid) + ")";
  // Keep one level: lead with the side that failed (it serves nothing, so no downtime).
  const Service& first = mine == Level::user ? user_side : system_side;
  const Service& second = mine == Level::user ? system_side : user_side;
  const std::uint32_t first_pid = mine == Level::user ? user_pid : system_pid;
  const std::uint32_t second_pid = mine == Level::user ? system_pid : user_pid;
  auto add_mask = [&](const Service& s) {
    if (&s == &user_side && s.manager == "systemd" && s.name.ends_with(".service")) {
      d.remedies.push_back(with_note("systemctl --user mask " + shell_quote(s.name),
                                     join_notes("so nothing starts it again", user_note(s))));
    }
  };
  d.remedies.push_back(
      stop_remedy(first, first_pid, e.endpoint.port,
                  std::string("keep the ") + (mine == Level::user ? "system" : "user") + " one"));
  add_mask(first);
  d.remedies.push_back(
      stop_remedy(second, second_pid, e.endpoint.port,
                  std::string("or keep the ") + (mine == Level::user ? "user" : "system") + " one"));
  add_mask(second);
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
        "unknown",
        "pid " + std::to_string(e.process.pid) + " itself holds [::]:" + std::to_string(e.endpoint.port) +
            " without IPV6_V6ONLY, which already covers " + endpoint_text(e),
        {"set IPV6_V6ONLY on the IPv6 socket before bind(), or bind only [::] (it accepts IPv4 too)"});
  }
  return make(
      "unknown",
      "pid " + std::to_string(e.process.pid) + " itself already holds " + endpoint_text(e) +
          (h->fd >= 0 ? " (fd " + std::to_string(h->fd) + ")" : std::string{}) + ": it binds the port twice",
      {"bind each address:port once per process (check the configuration for a repeated listen address)"});
}

// Rules 9 and 10: the holder runs the same program.
std::optional<Diagnosis> same_program_rules(const Event& e, const Owner& owner) {
  const ProgramIdentity mine = identity_of(e.process);
  const Holder* h = pick_holder(
      owner, [&](const Holder& x) { return !is_forwarder(x) && same_program(mine, identity_of(x)); });
  if (!h) return std::nullopt;
  const std::string program = program_display(identity_of(*h));
  const std::uint16_t port = e.endpoint.port;

  if (is_interactive(h->service) ||
      (e.process.service && h->service && same_manager_entry(*e.process.service, *h->service))) {
    Diagnosis d;
    d.code = "stale_instance";
    d.summary = "an earlier instance of the same program (" + program + ", pid " + std::to_string(h->pid) +
                started_text(e, *h) + ") still holds " + endpoint_text(e);
    const bool orphaned = h->service && has_note(*h->service, "orphaned");
    if (orphaned)
      d.summary += ": it was left behind by a closed terminal (orphaned)";
    else if (h->service && has_note(*h->service, "nohup"))
      d.summary += ": it was started with nohup";
    else if (h->service && (h->service->manager == "tmux" || h->service->manager == "screen"))
      d.summary += ": it still runs in " + h->service->name;
    else if (h->service && !is_interactive(h->service))
      d.summary += ", in the same " + service_phrase(*h->service);
    // Kill the instance, not its manager entry: the failing side belongs to the same one.
    d.remedies.push_back(
        stop_remedy(is_interactive(h->service) ? h->service : std::nullopt, h->pid, port, "then retry"));
    d.remedies.push_back(
        with_note("kill -KILL " + std::to_string(h->pid), "only if it is still there after a few seconds"));
    if (h->service && h->service->manager == "systemd" && !is_interactive(h->service)) {
      d.remedies.push_back(
          with_note("systemctl show -p KillMode " + shell_quote(h->service->name),
                    "a process from an earlier start survived; KillMode=control-group stops them all"));
    }
    return d;
  }

  // Different managers run the same program. Lead with stopping the side that failed:
  // it serves nothing, so that costs no downtime and ends its restart loop.
  Diagnosis d;
  d.code = "duplicate_manager";
  const std::string holder_service = service_phrase(*h->service);
  const std::string my_service =
      is_interactive(e.process.service) ? "by hand" : "by " + service_phrase(*e.process.service);
  d.summary = program + " runs twice: pid " + std::to_string(h->pid) + " under " + holder_service +
              " holds " + endpoint_text(e) + ", and pid " + std::to_string(e.process.pid) + " was started " +
              my_service;
  if (is_interactive(e.process.service)) {
    if (auto restart = restart_command(*h->service))
      d.remedies.push_back(
          with_note(*restart, "it already runs under " + holder_service + ": restart it there"));
  } else {
    d.remedies.push_back(stop_remedy(e.process.service, e.process.pid, port, "keep " + holder_service));
  }
  d.remedies.push_back(stop_remedy(h->service, h->pid, port,
                                   is_interactive(e.process.service)
                                       ? "or stop the managed copy"
                                       : "or keep " + service_phrase(*e.process.service) + " instead"));
  return d;
}

// Rule 11.
std::optional<Diagnosis> container_port(const Event& e, const Owner& owner) {
  const Holder* h =
      pick_holder(owner, [](const Holder& x) { return is_forwarder(x) || is_containerized(x); });
  if (!h && owner.kind != OwnerKind::forwarder) return std::nullopt;
  Diagnosis d;
  d.code = "container_port";
  if (!h) {
    d.summary = port_text(e) + " is published by a container (its port forwarder holds it)";
    d.remedies.push_back("docker ps --filter publish=" + std::to_string(e.endpoint.port));
  } else {
    const Service& s = *h->service;
    d.summary = port_text(e) + " is published by " + service_phrase(s) + " (" +
                program_display(identity_of(*h)) + ", pid " + std::to_string(h->pid) + ")";
    d.remedies.push_back(stop_remedy(h->service, h->pid, e.endpoint.port, ""));
    if (!s.pod_uid.empty() || s.manager == "kubernetes") {
      d.remedies.emplace_back("change the pod's hostPort (or drop it and use a Service)");
    } else {
      const std::string host =
          !e.alternatives.empty() ? std::to_string(e.alternatives.front()) : "<free port>";
      d.remedies.push_back("or remap: publish the container on another host port (-p " + host +
                           ":<container port>)");
    }
  }
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

// Rule 12.
std::optional<Diagnosis> foreign_service(const Event& e, const Owner& owner) {
  const Holder* h = pick_holder(owner, [](const Holder&) { return true; });
  if (!h) return std::nullopt;
  Diagnosis d;
  d.code = "foreign_service";
  d.summary = port_text(e) + " is held by " + holder_text(*h) + others_text(owner);
  // A container that wants a host port the host already uses: remapping it is the gentle fix.
  if (auto remap = remap_remedy(e)) d.remedies.push_back(*remap);
  d.remedies.push_back(stop_remedy(h->service, h->pid, e.endpoint.port, "if nothing needs it"));
  if (auto free = free_port_remedy(e)) d.remedies.push_back(*free);
  return d;
}

Diagnosis unknown_in_use(const Event& e) {
  if (!e.owner) return make("unknown", endpoint_text(e) + " is in use; its owner was not resolved");
  const Owner& owner = *e.owner;
  const std::string reason = owner.reason.empty() ? std::string{} : " (" + owner.reason + ")";
  if (owner.kind == OwnerKind::gone) {
    return make("unknown",
                endpoint_text(e) + " was in use, but its holder exited before bindtrace looked" + reason,
                {"retry: the port may be free now"});
  }
  if (!owner.sockets.empty()) {
    const SocketEntry& s = owner.sockets.front();
    return make("unknown",
                endpoint_text(e) + " is held by a " + std::string(tcp_state_name(s.state)) +
                    " socket (inode " + std::to_string(s.inode) + ") no process was found for" + reason,
                {with_note("ss -tanp 'sport = :" + std::to_string(e.endpoint.port) + "'", "look again")});
  }
  return make("unknown", endpoint_text(e) + " is in use; no owner found" + reason,
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
  return make("unknown", std::move(summary), std::move(remedies));
}

Diagnosis diagnose_in_use(const Event& e) {
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
  if (auto d = same_program_rules(e, owner)) return *d;
  if (auto d = container_port(e, owner)) return *d;
  if (auto d = foreign_service(e, owner)) return *d;
  return unknown_in_use(e);
}

Diagnosis diagnose_error(const Event& e, const DiagnosisContext& c) {
  if (auto d = privileged_port(e, c)) return *d;
  if (auto d = address_not_available(e)) return *d;
  if (e.err == EADDRINUSE) return diagnose_in_use(e);
  return unknown_error(e);
}

}  // namespace

ProgramIdentity identity_of(const ProcessInfo& process) {
  ProgramIdentity id;
  id.exe = strip_deleted(process.exe);
  id.argv = split_words(process.cmdline);
  id.cwd = process.cwd;
  id.comm = process.comm;
  return id;
}

ProgramIdentity identity_of(const Holder& holder) {
  ProgramIdentity id;
  id.exe = strip_deleted(holder.exe);
  id.argv = split_words(holder.cmdline);
  id.cwd = holder.cwd;
  id.comm = holder.comm;
  return id;
}

bool same_program(const ProgramIdentity& a, const ProgramIdentity& b) {
  if (script_of(a).interpreter != Interpreter::none || script_of(b).interpreter != Interpreter::none)
    return same_interpreted_program(a, b);
  return same_native_program(a, b);
}

std::string identity_key(const ProgramIdentity& id) {
  // The command line as started: unlike exe and cwd it is still known after the process exited.
  if (!id.argv.empty()) {
    std::string key;
    for (const std::string& word : id.argv) {
      if (!key.empty()) key += ' ';
      key += word;
    }
    return key;
  }
  if (!id.exe.empty()) return id.exe;
  return "comm:" + id.comm;
}

Diagnosis diagnose(const Event& event, const DiagnosisContext& context) {
  Diagnosis d = diagnose_error(event, context);
  d.failures_in_window = context.failures_in_window;
  if (context.restart_loop_threshold > 0 && context.failures_in_window >= context.restart_loop_threshold) {
    d.restart_loop = true;
    d.summary += " (" + ordinal(context.failures_in_window) + " failure in " +
                 std::to_string(context.window.count()) + " s)";
  }
  return d;
}

}  // namespace bindtrace

namespace bindtrace {

Diagnosis diagnose_taken_port(Proto proto, std::uint16_t port, const Owner& owner,
                              const std::vector<std::uint16_t>& alternatives) {
  Event event;
  event.op = Op::bind;
  event.err = EADDRINUSE;
  event.proto = proto;
  event.endpoint.family = Family::ipv4;
  event.endpoint.address = "0.0.0.0";
  event.endpoint.port = port;
  event.owner = owner;
  event.alternatives = alternatives;
  return diagnose(event, DiagnosisContext{});
}

}  // namespace bindtrace
