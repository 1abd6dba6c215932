// Program identity internals the rules use beyond the public same_program():
// which interpreter runs, what script or module it runs, the name a person
// calls the program by, and how two processes compare, with the evidence
// (exe, argv, cwd, configuration) a summary names. Private to user/diagnose/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bindtrace/diagnose/diagnose.hpp"

namespace bindtrace::diagnose_detail {

enum class Interpreter : std::uint8_t { none, python, node, bun, deno, ruby, perl, java, php };

// What an interpreter runs: "-m uvicorn", "/opt/app/venv/bin/uvicorn",
// "app.py", "-jar x.jar"; `relative` when the cwd decides which file that is.
struct Script {
  Interpreter interpreter = Interpreter::none;
  std::string key;
  std::string display;  // what a person calls it: "uvicorn", "app.py", "python3 -m uvicorn"
  bool relative = false;
  bool module = false;  // a module or main class: found through a search path, not the cwd
  std::string file;     // the script file as written ("app.py", "/srv/x.jar"); empty for a module or code
  std::vector<std::string> rest;  // the arguments after it
};

// Interpreter::none with an empty key for a native program or a form not understood.
[[nodiscard]] Script script_of(const ProgramIdentity& id);
// "uvicorn", "nginx", "python3 -m http.server".
[[nodiscard]] std::string program_display(const ProgramIdentity& id);

// How two processes compare. `same`: the same executable (or interpreter and
// script) with the same arguments, whatever their working directories, unless
// a relative path argument names different files in them. `other_configuration`:
// the same program started with other arguments (nginx -c a.conf vs -c b.conf).
enum class Sameness : std::uint8_t { different, same, other_configuration };

// What decided, for the summary (identity_evidence()). Side a and side b are
// the two identities compare_programs() was given, in that order.
struct IdentityMatch {
  Sameness sameness = Sameness::different;
  // What differs when `different`: "exe", "interpreter", "script", "application", "argv"
  // (a bare name on one side), or empty when nothing is known to compare.
  std::string differs;
  std::string exe_a, exe_b;  // the executables (or argv[0] paths); may be empty
  std::string cwd_a, cwd_b;
  bool relative_paths = false;  // some compared argument was a relative path (the cwd mattered)
  // A relative script or argument that names different files: as written, and in each cwd.
  std::string path_arg, path_a, path_b;
  // `other_configuration`: the first argument that differs; the option naming it ("-c",
  // "--directory", empty for a positional), as written on each side (empty: absent there),
  // and, for a path, the file or directory it names in that side's cwd.
  std::string option, value_a, value_b, resolved_a, resolved_b;
  bool config = false;       // that argument is a configuration file or directory
  bool config_file = false;  // ... and a file (-c, --config, "redis.conf"), not a directory (-D)
};

[[nodiscard]] IdentityMatch compare_programs(const ProgramIdentity& a, const ProgramIdentity& b);

// "exe /usr/sbin/nginx and argv match; cwd /srv/a vs /srv/b does not matter (no relative
// path in argv)", "app.py is /srv/a/app.py for pid 5 but /srv/b/app.py for pid 6":
// the identity evidence, side a being pid_a.
[[nodiscard]] std::string identity_evidence(const IdentityMatch& m, std::uint32_t pid_a, std::uint32_t pid_b);
// The differing configuration of one side, as a person reads it: "-c b.conf", "other.conf".
[[nodiscard]] std::string configuration_text(const IdentityMatch& m, bool side_b);

}  // namespace bindtrace::diagnose_detail
