// Which declarations collide: two services that can be active at once
// (docs/audit.md "Rules"), with the diagnosis code and paste-able remedies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"
#include "bindtrace/diagnose/diagnosis.hpp"

namespace bindtrace {

struct AuditConflict {
  Proto proto = Proto::tcp;
  std::uint16_t port = 0;
  std::string address;  // the widest address claimed ("" = all)
  DiagnosisCode code = DiagnosisCode::foreign_service;
  std::vector<PortDeclaration> declarations;  // at least two services, in input order
  std::vector<std::string> remedies;
};

// Do two addresses overlap: "" matches all; "0.0.0.0" every IPv4 address;
// "::" every address (dual-stack); otherwise only the same address.
[[nodiscard]] bool addresses_overlap(std::string_view a, std::string_view b) noexcept;

// The same service said twice (a unit's .socket and ExecStart, two lines of
// one program or file, two nginx server blocks) is one claimant, never a
// conflict with itself.
[[nodiscard]] bool same_service(const PortDeclaration& a, const PortDeclaration& b);

// The code for a pair of colliding declarations.
[[nodiscard]] DiagnosisCode conflict_code(const PortDeclaration& a, const PortDeclaration& b);

// The conflicts among `declarations`, ordered by port then protocol.
[[nodiscard]] std::vector<AuditConflict> find_conflicts(const std::vector<PortDeclaration>& declarations);

}  // namespace bindtrace
