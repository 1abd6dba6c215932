// Finds and reads the service definitions of a host (or of a copy of one
// under a root directory) and of files named on the command line, and hands
// each file to its parser (docs/audit.md "Sources").
#pragma once

#include <string>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

struct UnreadableFile {
  std::string file;   // as shown
  std::string error;  // "permission denied", "not valid YAML: ...", ...
};

struct AuditInput {
  std::vector<PortDeclaration> declarations;
  std::vector<UnreadableFile> unreadable;
  // The live check (what holds the declared ports now): done or not, and why not.
  bool live_checked = false;
  std::string live_note;  // "--root audits a copy", "not root: ...", ...
};

// `root`: "/" for the host; file names are shown as paths inside it.
// `paths`: extra files or directories, shown as given. `users`: whose user
// units and quadlets to read (every home under the root when empty). Throws
// UsageError when the root is not a directory, a path does not exist, a file
// named is of no kind audit reads, or a user has no home directory.
[[nodiscard]] AuditInput read_definitions(const std::string& root, const std::vector<std::string>& paths,
                                          const std::vector<std::string>& users = {});

}  // namespace bindtrace
