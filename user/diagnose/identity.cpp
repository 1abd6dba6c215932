// Program identity (diagnose.hpp, program_identity.hpp): whether two
// processes run the same program, decided from the executable, the
// interpreter's command line and the working directory; never comm alone.
#include <algorithm>
#include <string_view>

#include "attribute/path_parts.hpp"
#include "bindtrace/diagnose/diagnose.hpp"
#include "bindtrace/proc/proc_text.hpp"
#include "diagnose/program_identity.hpp"

namespace bindtrace {
namespace diagnose_detail {

using attribute_detail::basename_of;
using attribute_detail::split_words;

namespace {

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

}  // namespace

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


namespace {

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


}  // namespace

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
}  // namespace diagnose_detail

using diagnose_detail::Interpreter;
using diagnose_detail::same_interpreted_program;
using diagnose_detail::same_native_program;
using diagnose_detail::script_of;
using diagnose_detail::split_words;

ProgramIdentity identity_of(const ProcessInfo& process) {
  ProgramIdentity id;
  id.exe = std::string(without_deleted_suffix(process.exe));
  id.argv = split_words(process.cmdline);
  id.cwd = process.cwd;
  id.comm = process.comm;
  return id;
}

ProgramIdentity identity_of(const Holder& holder) {
  ProgramIdentity id;
  id.exe = std::string(without_deleted_suffix(holder.exe));
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

}  // namespace bindtrace
