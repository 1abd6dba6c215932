// Small text helpers shared by the audit's configuration parsers.
#include "bindtrace/audit/text.hpp"

#include <cctype>
#include <charconv>

namespace bindtrace::audit_text {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) noexcept {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front())
    s = s.substr(1, s.size() - 2);
  return s;
}

bool is_port_key(std::string_view key) noexcept {
  for (std::size_t i = 0; i + 4 <= key.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(key[i])) == 'P' &&
        std::toupper(static_cast<unsigned char>(key[i + 1])) == 'O' &&
        std::toupper(static_cast<unsigned char>(key[i + 2])) == 'R' &&
        std::toupper(static_cast<unsigned char>(key[i + 3])) == 'T')
      return true;
  }
  return false;
}

std::vector<Line> split_lines(std::string_view content) {
  std::vector<Line> lines;
  std::size_t number = 0;
  while (!content.empty()) {
    const auto nl = content.find('\n');
    std::string_view text = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    lines.push_back({++number, text});
  }
  return lines;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < text.size())
        word += text[++i];
      else
        word += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::optional<std::string_view> commented_setting(std::string_view line) noexcept {
  line = trim(line);
  if (line.empty() || (line.front() != '#' && line.front() != ';')) return std::nullopt;
  while (!line.empty() && (line.front() == '#' || line.front() == ';')) line.remove_prefix(1);
  line = trim(line);
  const auto eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  // A key is one word: prose with an '=' in it is not a setting.
  for (const char c : trim(line.substr(0, eq)))
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return std::nullopt;
  return line;
}

}  // namespace bindtrace::audit_text
