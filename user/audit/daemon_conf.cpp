// nginx and redis configuration read for their listening ports.
#include "bindtrace/audit/daemon_conf.hpp"

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/text.hpp"

namespace bindtrace {
namespace {

struct Directive {
  std::size_t line = 0;
  std::vector<std::string> words;
  bool commented = false;
};

// nginx: directives end with ';' (several may share a line, one may span
// lines); '{' and '}' only separate. A line that is a commented directive
// ("# listen 8080;") is kept, marked.
std::vector<Directive> nginx_directives(std::string_view content) {
  std::vector<Directive> out;
  Directive open;
  for (const audit_text::Line& l : audit_text::split_lines(content)) {
    std::string_view text = audit_text::trim(l.text);
    bool commented = false;
    if (text.starts_with('#')) {
      text = audit_text::trim(text.substr(1));
      if (!text.ends_with(';')) continue;
      commented = true;
    } else if (const auto hash = text.find('#'); hash != std::string_view::npos) {
      text = text.substr(0, hash);
    }
    std::string current;
    for (const char c : text) {
      if (c == ';' || c == '{' || c == '}') {
        for (std::string& w : audit_text::split_words(current)) open.words.push_back(std::move(w));
        current.clear();
        if (c == ';' && !open.words.empty()) out.push_back(std::move(open));
        open = Directive{};
        continue;
      }
      if (open.words.empty() && current.find_first_not_of(" \t") == std::string::npos) {
        open.line = l.number;
        open.commented = commented;
      }
      current += c;
    }
    for (std::string& w : audit_text::split_words(current)) open.words.push_back(std::move(w));
    if (commented) open = Directive{};
  }
  return out;
}

PortDeclaration daemon_declaration(const std::string& file, std::size_t line, const char* name,
                                   const char* program) {
  PortDeclaration d;
  d.file = file;
  d.line = line;
  d.name = name;
  d.program = program;
  return d;
}

}  // namespace

NginxReading parse_nginx_conf(std::string_view content, const std::string& file) {
  NginxReading out;
  for (const Directive& d : nginx_directives(content)) {
    if (d.words.size() < 2) continue;
    if (d.words[0] == "include" && !d.commented) out.includes.push_back(d.words[1]);
    if (d.words[0] != "listen") continue;
    const auto endpoint = parse_text_endpoint(d.words[1]);
    if (!endpoint) continue;  // unix: sockets
    PortDeclaration decl = daemon_declaration(file, d.line, "nginx", "nginx");
    decl.address = endpoint->address;
    decl.port = endpoint->port;
    decl.source = "listen";
    decl.commented = d.commented;
    for (std::size_t i = 2; i < d.words.size(); ++i)
      if (d.words[i] == "udp" || d.words[i] == "quic") decl.proto = Proto::udp;
    out.declarations.push_back(std::move(decl));
  }
  return out;
}

std::vector<PortDeclaration> parse_redis_conf(std::string_view content, const std::string& file) {
  std::vector<PortDeclaration> out;
  std::vector<std::string> addresses;
  std::optional<PortDeclaration> port;
  for (const audit_text::Line& l : audit_text::split_lines(content)) {
    const std::vector<std::string> words = audit_text::split_words(audit_text::trim(l.text));
    if (words.size() < 2 || words[0].starts_with('#')) continue;
    if (words[0] == "bind") {
      addresses.clear();
      for (std::size_t i = 1; i < words.size(); ++i)  // "-::1": optional address
        addresses.push_back(normalise_address(words[i].starts_with('-') ? words[i].substr(1) : words[i]));
    } else if (words[0] == "port") {
      const auto value = parse_port(words[1]);
      port.reset();
      if (value && *value != 0) {
        port = daemon_declaration(file, l.number, "redis", "redis-server");
        port->port = *value;
        port->source = "port";
      }
    }
  }
  if (!port) return out;
  if (addresses.empty()) addresses.emplace_back();
  for (const std::string& address : addresses) {
    PortDeclaration d = *port;
    d.address = address;
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace bindtrace
