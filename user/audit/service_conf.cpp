// Single-file service configurations read for their listening port.
#include "bindtrace/audit/service_conf.hpp"

#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/text.hpp"

namespace bindtrace {
namespace {

using audit_text::trim;

struct KeyValue {
  std::size_t line = 0;
  std::string_view key, value;
  bool commented = false;
};

// key = value / key=value lines; '#' comments (a commented setting is kept, marked).
std::vector<KeyValue> key_values(std::string_view content) {
  std::vector<KeyValue> out;
  for (const audit_text::Line& l : audit_text::split_lines(content)) {
    std::string_view text = trim(l.text);
    bool commented = false;
    if (const auto setting = audit_text::commented_setting(text)) {
      text = *setting;
      commented = true;
    }
    if (text.starts_with("export ")) text = trim(text.substr(7));
    const auto eq = text.find('=');
    if (text.empty() || text.front() == '#' || eq == std::string_view::npos) continue;
    std::string_view value = trim(text.substr(eq + 1));
    for (std::size_t i = 1; i < value.size(); ++i)  // a comment after a blank: "5432\t# restart"
      if (value[i] == '#' && (value[i - 1] == ' ' || value[i - 1] == '\t')) {
        value = trim(value.substr(0, i));
        break;
      }
    out.push_back({l.number, trim(text.substr(0, eq)), audit_text::unquote(value), commented});
  }
  return out;
}

PortDeclaration declaration(const std::string& file, const std::string& name, const KeyValue& kv,
                            std::uint16_t port) {
  PortDeclaration d;
  d.file = file;
  d.line = kv.line;
  d.name = name;
  d.port = port;
  d.source = std::string(kv.key);
  d.commented = kv.commented;
  return d;
}

}  // namespace

std::vector<PortDeclaration> parse_env_file(std::string_view content, const std::string& file,
                                            const std::string& name) {
  std::vector<PortDeclaration> out;
  for (const KeyValue& kv : key_values(content)) {
    if (!audit_text::is_port_key(kv.key)) continue;
    if (const auto port = parse_port(kv.value)) out.push_back(declaration(file, name, kv, *port));
  }
  return out;
}

std::vector<PortDeclaration> parse_postgresql_conf(std::string_view content, const std::string& file,
                                                   const std::string& name) {
  std::vector<PortDeclaration> out;
  std::string address = "127.0.0.1";  // PostgreSQL's default listen_addresses is 'localhost'
  for (const KeyValue& kv : key_values(content)) {
    if (kv.key == "listen_addresses" && !kv.commented)
      address = kv.value.find(',') != std::string_view::npos ? "" : normalise_address(kv.value);
    if (kv.key != "port") continue;
    if (const auto port = parse_port(kv.value)) out.push_back(declaration(file, name, kv, *port));
  }
  for (PortDeclaration& d : out) {
    d.address = address;
    d.program = "postgres";
  }
  return out;
}

}  // namespace bindtrace
