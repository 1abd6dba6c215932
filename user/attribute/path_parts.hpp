// Small text helpers shared by the attribution rules: cgroup path components,
// container ids, argv lookups. Private to user/attribute/; user/diagnose/
// also splits command lines and paths with these, so both read them alike.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/events/number_text.hpp"

namespace bindtrace::attribute_detail {

// "/a/b//c/" -> {"a", "b", "c"}.
inline std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

inline bool is_hex(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

inline bool is_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A full container id as the runtimes write it: 64 hex characters.
inline bool is_container_id(std::string_view text) {
  return text.size() == 64 && is_hex(text);
}

// Display form: 12 hex characters for a full id, anything else unchanged.
inline std::string short_id(std::string_view id) {
  return std::string(is_container_id(id) ? id.substr(0, 12) : id);
}

inline std::string_view basename_of(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The value of an option in argv: "-c ID", "-c=ID", "--cid ID", "--cid=ID".
inline std::optional<std::string> option_value(const std::vector<std::string>& argv,
                                               std::initializer_list<std::string_view> names) {
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string_view arg = argv[i];
    for (const std::string_view name : names) {
      if (arg == name && i + 1 < argv.size()) return argv[i + 1];
      if (arg.size() > name.size() + 1 && arg.starts_with(name) && arg[name.size()] == '=') {
        return std::string(arg.substr(name.size() + 1));
      }
    }
  }
  return std::nullopt;
}

// Words of a space-joined command line.
inline std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  while (!line.empty()) {
    const std::size_t begin = line.find_first_not_of(' ');
    if (begin == std::string_view::npos) break;
    line.remove_prefix(begin);
    const std::size_t end = std::min(line.find(' '), line.size());
    words.emplace_back(line.substr(0, end));
    line.remove_prefix(end);
  }
  return words;
}

}  // namespace bindtrace::attribute_detail
