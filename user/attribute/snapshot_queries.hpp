// Questions the attribution rules ask of a ProcessSnapshot: an environment
// variable, the program an argv or ancestor runs. Private to user/attribute/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "attribute/path_parts.hpp"
#include "bindtrace/attribute.hpp"

namespace bindtrace::attribute_detail {

inline const std::string* env_of(const ProcessSnapshot& snapshot, const std::string& key) {
  const auto it = snapshot.environ.find(key);
  return it == snapshot.environ.end() ? nullptr : &it->second;
}

// The program a process runs: basename of argv[0]'s first word (processes that
// rewrite their title put spaces there), else comm.
inline std::string program_of(const ProcessSnapshot& snapshot) {
  if (!snapshot.argv.empty()) {
    const auto words = split_words(snapshot.argv.front());
    if (!words.empty()) return std::string(basename_of(words.front()));
  }
  return snapshot.comm;
}

// The program an ancestor runs: basename of the first cmdline word, else comm.
inline std::string program_of(const Ancestor& ancestor) {
  const auto words = split_words(ancestor.cmdline);
  return words.empty() ? ancestor.comm : std::string(basename_of(words.front()));
}

}  // namespace bindtrace::attribute_detail
