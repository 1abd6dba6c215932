// Program identity internals the rules use beyond the public same_program():
// which interpreter runs, what script or module it runs, and the name a
// person calls the program by. Private to user/diagnose/.
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
  bool module = false;  // found through the cwd when local: compared with the cwd when both are known
  std::vector<std::string> rest;  // the arguments after it
};

// Interpreter::none with an empty key for a native program or a form not understood.
[[nodiscard]] Script script_of(const ProgramIdentity& id);
// "uvicorn", "nginx", "python3 -m http.server".
[[nodiscard]] std::string program_display(const ProgramIdentity& id);

}  // namespace bindtrace::diagnose_detail
