// Port arguments and the ports deployment files ask for.
#include "bindtrace/cli/port_sources.hpp"

#include <charconv>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string_view unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

bool parse_u16(std::string_view s, std::uint16_t& out) {
  unsigned value = 0;
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// "8000" or "8000-8010" -> [first, last]; false when malformed.
bool parse_range(std::string_view s, std::uint16_t& first, std::uint16_t& last) {
  const auto dash = s.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_u16(s, first)) return false;
    last = first;
    return true;
  }
  return parse_u16(s.substr(0, dash), first) && parse_u16(s.substr(dash + 1), last) && first <= last;
}

void append_range(std::vector<PortSpec>& out, Proto proto, std::uint16_t first, std::uint16_t last,
                  const std::string& origin) {
  for (unsigned p = first; p <= last; ++p) out.push_back({proto, static_cast<std::uint16_t>(p), origin});
}

}  // namespace

std::vector<PortSpec> parse_port_arg(std::string_view option, std::string_view text, bool allow_ranges) {
  std::string_view body = text;
  Proto proto = Proto::tcp;
  if (const auto slash = body.find('/'); slash != std::string_view::npos) {
    const std::string_view suffix = body.substr(slash + 1);
    if (suffix == "udp") proto = Proto::udp;
    else if (suffix != "tcp")
      throw UsageError(std::string(option) + ": '" + escape_for_terminal(text) + "' has an unknown protocol (tcp or udp)");
    body = body.substr(0, slash);
  }
  std::uint16_t first = 0, last = 0;
  if (!parse_range(body, first, last) || (!allow_ranges && first != last))
    throw UsageError(std::string(option) + ": '" + escape_for_terminal(text) + "' is not a port" +
                     (allow_ranges ? " or range (0-65535, e.g. 8000-8099)" : " (0-65535)"));
  std::vector<PortSpec> out;
  append_range(out, proto, first, last, std::string(text));
  return out;
}

std::vector<PortSpec> ports_from_env(std::string_view content, const std::string& name) {
  std::vector<PortSpec> out;
  std::size_t line_no = 0;
  while (!content.empty()) {
    const auto nl = content.find('\n');
    std::string_view line = trim(content.substr(0, nl));
    content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, eq));
    if (key.size() < 5 || key.substr(key.size() - 5) != "_PORT") continue;
    std::uint16_t port = 0;
    if (parse_u16(unquote(line.substr(eq + 1)), port))
      out.push_back({Proto::tcp, port, name + ":" + std::to_string(line_no) + " " + std::string(key)});
  }
  return out;
}

std::vector<PortSpec> ports_from_compose(std::string_view content, const std::string& name) {
  std::vector<PortSpec> out;
  std::size_t line_no = 0;
  std::size_t ports_indent = std::string_view::npos;  // inside a `ports:` block when set
  // Long syntax: `published` and `protocol` may come in either order within one item.
  std::uint16_t long_first = 0, long_last = 0;
  bool long_open = false;
  Proto long_proto = Proto::tcp;
  std::string long_origin;
  auto flush_long = [&] {
    if (long_open) append_range(out, long_proto, long_first, long_last, long_origin);
    long_open = false;
    long_proto = Proto::tcp;
  };

  while (!content.empty()) {
    const auto nl = content.find('\n');
    std::string_view raw = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view() : content.substr(nl + 1);
    ++line_no;
    if (const auto hash = raw.find(" #"); hash != std::string_view::npos) raw = raw.substr(0, hash);
    const std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const std::size_t indent = raw.find_first_not_of(" \t");
    const std::string origin = name + ":" + std::to_string(line_no);

    if (ports_indent != std::string_view::npos && indent <= ports_indent && line.front() != '-') {
      flush_long();
      ports_indent = std::string_view::npos;
    }
    if (line == "ports:") {
      ports_indent = indent;
      continue;
    }
    if (ports_indent == std::string_view::npos) continue;

    std::string_view item = line;
    if (item.front() == '-') {
      flush_long();
      item = trim(item.substr(1));
      if (item.find(':') == std::string_view::npos || item.front() == '"' || item.front() == '\'' ||
          (item.find(": ") == std::string_view::npos && item.back() != ':')) {
        // Short syntax: [IP:]HOST:CONTAINER[/proto], or a bare container port.
        std::string_view spec = unquote(item);
        Proto proto = Proto::tcp;
        if (const auto slash = spec.rfind('/'); slash != std::string_view::npos) {
          if (spec.substr(slash + 1) == "udp") proto = Proto::udp;
          spec = spec.substr(0, slash);
        }
        const auto last_colon = spec.rfind(':');
        if (last_colon == std::string_view::npos) continue;  // container port only: random host port
        std::string_view host = spec.substr(0, last_colon);
        if (const auto colon = host.rfind(':'); colon != std::string_view::npos) host = host.substr(colon + 1);
        std::uint16_t first = 0, last = 0;
        if (parse_range(host, first, last)) append_range(out, proto, first, last, origin);
        continue;
      }
    }
    // Long syntax keys (the first may follow the dash).
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(item.substr(0, colon));
    const std::string_view value = unquote(item.substr(colon + 1));
    if (key == "published") {
      std::uint16_t first = 0, last = 0;
      if (parse_range(value, first, last)) {
        long_open = true;
        long_first = first;
        long_last = last;
        long_origin = origin;
      }
    } else if (key == "protocol" && value == "udp") {
      long_proto = Proto::udp;
    }
  }
  flush_long();
  return out;
}

}  // namespace bindtrace
