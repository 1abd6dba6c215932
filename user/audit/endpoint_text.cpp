// Ports and addresses as configuration files and command lines write them.
#include "bindtrace/audit/endpoint_text.hpp"

#include <algorithm>
#include <array>

#include "bindtrace/audit/text.hpp"

namespace bindtrace {
namespace {

using audit_text::split_words;

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
         c == ':' || c == '*' || c == '_';
}

// The option names whose value is a port, or an address with or without one.
constexpr std::array kPortOptions = {"--port", "-p", "--http-port", "--listen-port", "--server-port"};
constexpr std::array kBindOptions = {"--bind",    "-b",     "--host", "-H", "--listen",
                                     "--address", "--addr", "-l",     "-S"};

template <std::size_t N>
bool is_one_of(std::string_view word, const std::array<const char*, N>& names) {
  return std::any_of(names.begin(), names.end(), [word](const char* n) { return word == n; });
}

void add(std::vector<TextEndpoint>& out, TextEndpoint e) {
  if (std::find(out.begin(), out.end(), e) == out.end()) out.push_back(std::move(e));
}

}  // namespace

std::string normalise_address(std::string_view text) {
  text = audit_text::trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  if (text.empty() || text == "*") return "";
  if (text == "localhost") return "127.0.0.1";
  return std::string(text);
}

std::optional<TextEndpoint> parse_text_endpoint(std::string_view text) {
  text = audit_text::unquote(text);
  if (const auto port = parse_port(text)) return TextEndpoint{"", *port};
  if (text.find('/') != std::string_view::npos) return std::nullopt;  // paths and URLs
  std::string_view host, port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(0, close + 1);
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // a bare IPv6 address
  }
  if (!std::all_of(host.begin(), host.end(), [](char c) { return is_host_char(c) || c == '[' || c == ']'; }))
    return std::nullopt;
  const auto port = parse_port(port_text);
  if (!port) return std::nullopt;
  return TextEndpoint{normalise_address(host), *port};
}

std::vector<TextEndpoint> ports_from_command(std::string_view command) {
  const std::vector<std::string> words = split_words(command);
  std::vector<TextEndpoint> out;
  std::vector<std::uint16_t> bare_ports;  // --port N: the address may come from --host
  std::string address;
  bool http_server = false;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string_view word = words[i];
    std::string_view value;
    bool has_value = false;
    std::string_view name = word;
    if (const auto eq = word.find('='); word.starts_with("--") && eq != std::string_view::npos) {
      name = word.substr(0, eq);
      value = word.substr(eq + 1);
      has_value = true;
    } else if (i + 1 < words.size()) {
      value = words[i + 1];
    }
    if (is_one_of(name, kPortOptions)) {
      if (const auto port = parse_port(value)) bare_ports.push_back(*port);
      if (!has_value) ++i;
      continue;
    }
    if (is_one_of(name, kBindOptions)) {
      if (auto e = parse_text_endpoint(value); e && parse_port(value) == std::nullopt)
        add(out, *e);
      else if (value.find(':') == std::string_view::npos || value.front() == '[' ||
               std::count(value.begin(), value.end(), ':') > 1)
        address = normalise_address(value);
      if (!has_value) ++i;
      continue;
    }
    if (word == "-m" && i + 1 < words.size() && words[i + 1] == "http.server") {
      http_server = true;
      ++i;
      continue;
    }
    if (http_server && parse_port(word)) {
      bare_ports.push_back(*parse_port(word));
      http_server = false;
      continue;
    }
    // A HOST:PORT word after an option of unknown meaning is that option's
    // value, often a peer to connect to (--db localhost:5432): not a claim.
    const bool after_option =
        i > 0 && words[i - 1].starts_with("-") && words[i - 1].find('=') == std::string::npos;
    if (word.find(':') != std::string_view::npos && !word.starts_with("-") && !after_option) {
      if (auto e = parse_text_endpoint(word)) add(out, *e);
    }
  }
  for (const std::uint16_t port : bare_ports) add(out, TextEndpoint{address, port});
  return out;
}

std::string program_identity(std::string_view command) {
  std::vector<std::string> words = split_words(command);
  if (words.empty()) return "";
  std::string& exe = words.front();
  // systemd's ExecStart prefixes: - @ + ! :
  while (!exe.empty() && (exe.front() == '-' || exe.front() == '@' || exe.front() == '+' ||
                          exe.front() == '!' || exe.front() == ':'))
    exe.erase(0, 1);
  if (const auto slash = exe.rfind('/'); slash != std::string::npos) exe.erase(0, slash + 1);
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace bindtrace
