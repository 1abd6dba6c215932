// How two processes compare (program_identity.hpp): the same executable (or
// interpreter and script) with the same arguments is the same program, in any
// working directory; a relative path argument is read in each process's cwd
// (joined and normalised as text: nothing here touches the file system). The
// same program with other arguments is another configuration of it.
#include <algorithm>
#include <string_view>

#include "attribute/path_parts.hpp"
#include "bindtrace/diagnose/diagnose.hpp"
#include "diagnose/program_identity.hpp"

namespace bindtrace {
namespace diagnose_detail {
namespace {

using attribute_detail::split_path;

// Long options whose value is a configuration file or directory.
bool is_path_option(std::string_view word) {
  static constexpr std::string_view kOptions[] = {"--config",    "--conf",    "--config-file", "--configfile",
                                                  "--directory", "--datadir", "--data-dir",    "--dir"};
  return std::find(std::begin(kOptions), std::end(kOptions), word) != std::end(kOptions);
}

// A word a path option may take: no spaces, shell syntax or URL ("-c 'import x; run()'" is code).
bool plain_path(std::string_view word) {
  return !word.empty() && word.find_first_of(" ;'\"$`|&(){}<>\t") == std::string_view::npos &&
         word.find("://") == std::string_view::npos;
}

// Options whose value is a configuration file (not a directory).
bool is_file_option(std::string_view word) {
  return word == "-c" || word == "-f" || word == "--config" || word == "--conf" || word == "--config-file" ||
         word == "--configfile";
}

// "x.conf", "app.py": ends in an extension files of programs and their configurations have.
bool has_file_extension(std::string_view word) {
  static constexpr std::string_view kExtensions[] = {
      ".conf", ".cfg", ".cnf", ".ini", ".yaml", ".yml", ".toml", ".json", ".xml", ".env", ".properties",
      ".py",   ".js",  ".mjs", ".cjs", ".ts",   ".rb",  ".pl",   ".php",  ".jar", ".lua", ".sh"};
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](std::string_view ext) { return word.size() > ext.size() && word.ends_with(ext); });
}

// A positional argument that names a file: ".", "..", "conf/x", or "x.conf" with a file extension.
bool looks_like_path(std::string_view word) {
  if (!plain_path(word) || word.starts_with('-')) return false;
  return word == "." || word == ".." || word.find('/') != std::string_view::npos || has_file_extension(word);
}

// cwd joined with a relative `path`, "." and ".." resolved as text. An absolute path is only
// normalised; a relative one with no cwd stays as written.
std::string resolve(const std::string& cwd, std::string_view path) {
  if (!path.starts_with('/') && cwd.empty()) return std::string(path);
  const std::string joined = path.starts_with('/') ? std::string(path) : cwd + "/" + std::string(path);
  std::vector<std::string_view> parts;
  for (const std::string_view part : split_path(joined)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const std::string_view part : parts) out += "/" + std::string(part);
  return out.empty() ? "/" : out;
}

// The executable a native program runs: /proc/PID/exe, else an absolute argv[0].
std::string program_path(const ProgramIdentity& id) {
  if (!id.exe.empty()) return id.exe;
  if (!id.argv.empty() && id.argv.front().starts_with('/')) return id.argv.front();
  return {};
}

// One argument split into the option it sets and its value: "--config=x" -> {"--config", "x"}.
struct Word {
  std::string option;
  std::string value;
  bool path = false;
};

Word word_at(const std::vector<std::string>& args, std::size_t i) {
  Word w;
  const std::string& arg = args[i];
  const std::size_t eq = arg.find('=');
  if (arg.starts_with("--") && eq != std::string::npos && is_path_option(arg.substr(0, eq))) {
    w.option = arg.substr(0, eq);
    w.value = arg.substr(eq + 1);
    w.path = plain_path(w.value);
    return w;
  }
  w.value = arg;
  if (i > 0 && args[i - 1].starts_with('-') && !arg.starts_with('-')) w.option = args[i - 1];
  // A long option names its path for sure ("--directory b"); a short one only with a value
  // that looks like one ("-c nginx.conf", not apache's "-D FOREGROUND").
  const bool long_path_option = w.option.starts_with("--") && is_path_option(w.option);
  w.path = (long_path_option && plain_path(arg)) || looks_like_path(arg);
  return w;
}

// The first argument that differs, at `i`, as the evidence names it. When only one side has
// arguments there: an option with its value ("-c x.conf" against nothing), else all of them.
void record_difference(const std::vector<std::string>& a, const std::vector<std::string>& b, std::size_t i,
                       IdentityMatch& m) {
  m.sameness = Sameness::other_configuration;
  const bool has_a = i < a.size();
  const bool has_b = i < b.size();
  Word wa = has_a ? word_at(a, i) : Word{};
  Word wb = has_b ? word_at(b, i) : Word{};
  if (has_a != has_b) {
    const std::vector<std::string>& longer = has_a ? a : b;
    Word& extra = has_a ? wa : wb;
    if (longer[i].starts_with('-') && i + 1 < longer.size() && !longer[i + 1].starts_with('-')) {
      extra = word_at(longer, i + 1);
    } else {
      for (std::size_t j = i + 1; j < longer.size(); ++j) extra.value += " " + longer[j];
      extra.path = extra.path && i + 1 == longer.size();
    }
  }
  m.option = !wa.option.empty() ? wa.option : wb.option;
  m.value_a = wa.value;
  m.value_b = wb.value;
  if (wa.path) m.resolved_a = resolve(m.cwd_a, wa.value);
  if (wb.path) m.resolved_b = resolve(m.cwd_b, wb.value);
  m.config = wa.path || wb.path;
  const std::string& named = m.value_b.empty() ? m.value_a : m.value_b;
  m.config_file = m.config && (is_file_option(m.option) || (m.option.empty() && has_file_extension(named)));
  if (m.resolved_a == m.value_a) m.resolved_a.clear();
  if (m.resolved_b == m.value_b) m.resolved_b.clear();
}

// Compares the arguments after the program; `same` or `other_configuration`, with the first
// difference (and any relative path that mattered) recorded in `m`.
void compare_arguments(const std::vector<std::string>& a, const std::vector<std::string>& b,
                       IdentityMatch& m) {
  m.sameness = Sameness::same;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Word wa = i < a.size() ? word_at(a, i) : Word{};
    const Word wb = i < b.size() ? word_at(b, i) : Word{};
    const bool both = i < a.size() && i < b.size();
    const bool path = both && wa.option == wb.option && (wa.path || wb.path);
    if (path) {
      if (!wa.value.starts_with('/') || !wb.value.starts_with('/')) m.relative_paths = true;
      if (resolve(m.cwd_a, wa.value) == resolve(m.cwd_b, wb.value)) continue;
    } else if (both && a[i] == b[i]) {
      continue;
    }
    record_difference(a, b, i, m);
    return;
  }
}

void compare_native(const ProgramIdentity& a, const ProgramIdentity& b, IdentityMatch& m) {
  if (a.argv.empty() || b.argv.empty()) return;  // only an executable on one side: nothing to compare
  m.exe_a = program_path(a);
  m.exe_b = program_path(b);
  if (!m.exe_a.empty() && !m.exe_b.empty()) {
    // An exited side is known by its argv[0] only, which may be a link to the other's exe:
    // the same absolute argv[0] on both sides is the same executable then.
    const bool exited = a.exe.empty() || b.exe.empty();
    const bool same_argv0 = a.argv.front() == b.argv.front() && a.argv.front().starts_with('/');
    if (m.exe_a != m.exe_b && !(exited && same_argv0)) {
      m.differs = "exe";
      return;
    }
    compare_arguments({a.argv.begin() + 1, a.argv.end()}, {b.argv.begin() + 1, b.argv.end()}, m);
    return;
  }
  // One executable unknown (the process exited): the whole command line must match, and
  // name a path (a bare name is no better than comm); a relative path needs the same cwd.
  const std::string& argv0 = a.argv.front();
  if (a.argv != b.argv || argv0.find('/') == std::string::npos) {
    m.differs = "argv";
    return;
  }
  if (!argv0.starts_with('/') && (a.cwd.empty() || a.cwd != b.cwd)) {
    m.differs = "argv";
    m.relative_paths = true;
    return;
  }
  m.sameness = Sameness::same;
}

void compare_interpreted(const ProgramIdentity& a, const ProgramIdentity& b, IdentityMatch& m) {
  const Script sa = script_of(a);
  const Script sb = script_of(b);
  m.exe_a = !a.exe.empty() ? a.exe : program_path(a);
  m.exe_b = !b.exe.empty() ? b.exe : program_path(b);
  if (sa.interpreter != sb.interpreter) {
    m.differs = "interpreter";
    return;
  }
  if (sa.key.empty() || sb.key.empty()) return;  // an interactive interpreter: nothing to go by
  if (!sa.file.empty() && !sb.file.empty()) {
    // The script is a file: the same file, read in each cwd. A relative one needs both cwds.
    const bool relative = !sa.file.starts_with('/') || !sb.file.starts_with('/');
    m.relative_paths = relative;
    if (relative && (a.cwd.empty() || b.cwd.empty())) {
      m.differs = "script";  // which file it is cannot be told
      return;
    }
    if (resolve(a.cwd, sa.file) != resolve(b.cwd, sb.file)) {
      m.differs = "script";
      if (sa.key == sb.key) {
        m.path_arg = sa.file;
        m.path_a = resolve(a.cwd, sa.file);
        m.path_b = resolve(b.cwd, sb.file);
      }
      return;
    }
    if (sa.key.substr(0, sa.key.size() - sa.file.size()) !=
        sb.key.substr(0, sb.key.size() - sb.file.size())) {
      m.differs = "script";  // "-jar x.jar" vs "x.jar"
      return;
    }
  } else if (sa.key != sb.key) {
    m.differs = "script";
    return;
  }
  // Runners (uvicorn, gunicorn, npm) name the application next: "uvicorn app:app" vs
  // "uvicorn other:app" are different programs. Compared only when both put it first.
  if (!sa.rest.empty() && !sb.rest.empty() && !sa.rest.front().starts_with('-') &&
      !sb.rest.front().starts_with('-') && sa.rest.front() != sb.rest.front() &&
      !looks_like_path(sa.rest.front()) && !looks_like_path(sb.rest.front())) {
    m.differs = "application";
    return;
  }
  compare_arguments(sa.rest, sb.rest, m);
}

}  // namespace

IdentityMatch compare_programs(const ProgramIdentity& a, const ProgramIdentity& b) {
  IdentityMatch m;
  m.cwd_a = a.cwd;
  m.cwd_b = b.cwd;
  if (script_of(a).interpreter != Interpreter::none || script_of(b).interpreter != Interpreter::none)
    compare_interpreted(a, b, m);
  else
    compare_native(a, b, m);
  return m;
}

}  // namespace diagnose_detail

bool same_program(const ProgramIdentity& a, const ProgramIdentity& b) {
  return diagnose_detail::compare_programs(a, b).sameness == diagnose_detail::Sameness::same;
}

}  // namespace bindtrace
