// Port arguments and the ports deployment files ask for.
#include "bindtrace/cli/port_sources.hpp"

#include "bindtrace/audit/compose_file.hpp"
#include "bindtrace/audit/text.hpp"
#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

using audit_text::trim;
using audit_text::unquote;

bool parse_u16(std::string_view s, std::uint16_t& out) {
  const auto port = parse_port(s);
  if (port) out = *port;
  return port.has_value();
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
  ComposeReading reading = parse_compose_file(content, name);
  if (!reading.error.empty())
    throw UsageError("--from: '" + escape_for_terminal(name) + "' is " + escape_for_terminal(reading.error));
  std::vector<PortSpec> out;
  for (const PortDeclaration& d : reading.declarations)
    out.push_back({d.proto, d.port, name + ":" + std::to_string(d.line)});
  return out;
}

}  // namespace bindtrace
