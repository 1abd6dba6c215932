// One port a configuration file says a service will claim, with where it was
// said: the unit of `bindtrace audit` (docs/audit.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bindtrace/attribute/manager_kind.hpp"
#include "bindtrace/events/kinds.hpp"

namespace bindtrace {

// Whose definition it is: the system's, one user's (a user unit or quadlet),
// or a file named on the command line.
enum class AuditScope : std::uint8_t { system, user, file };

[[nodiscard]] std::string_view audit_scope_name(AuditScope scope) noexcept;

struct PortDeclaration {
  std::string file;      // the path as shown (inside --root when one is given)
  std::size_t line = 0;  // 1-based
  ManagerKind manager = ManagerKind::none;
  std::string name;  // unit, program, compose service, or the file's own name
  AuditScope scope = AuditScope::system;
  std::string user;  // for a user unit or quadlet: whose (the login name), when known
  std::optional<bool> enabled;  // nullopt: not known (a static unit, a compose service ...)
  Proto proto = Proto::tcp;
  std::string address;  // "" = not said (all addresses); "0.0.0.0", "::", "127.0.0.1" ...
  std::uint16_t port = 0;
  std::string source;              // the setting that said it: "ListenStream", "ExecStart", "PORT" ...
  std::string program;             // the program started ("python3 -m http.server 8001"), when known
  bool commented = false;          // the line is commented out: listed, never active
  bool published = false;          // a container engine's publish (compose ports:, PublishPort=)
  std::optional<int> running_pid;  // the process running it now (live check), else empty
};

// A claimant found running on a declared port that no declaration explains
// (file "", source "listening now").
[[nodiscard]] inline bool is_listening_now(const PortDeclaration& d) {
  return d.file.empty() && d.running_pid.has_value();
}

// "web.service", "web.socket", "web.container" -> "web": the service a unit names.
[[nodiscard]] inline std::string unit_stem(std::string_view unit) {
  const auto dot = unit.rfind('.');
  return std::string(dot == std::string_view::npos ? unit : unit.substr(0, dot));
}

// Can it be listening at the same time as another: not commented out and not
// known to be disabled.
[[nodiscard]] inline bool can_be_active(const PortDeclaration& d) {
  return !d.commented && d.enabled != std::optional<bool>(false);
}

}  // namespace bindtrace
