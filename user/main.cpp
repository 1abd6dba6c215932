// bindtrace: the executable is only the CLI wiring; everything lives in bindtrace_core.
#include "bindtrace/cli.hpp"

int main(int argc, char** argv) {
  return bindtrace::run_cli(argc, argv);
}
