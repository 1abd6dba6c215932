// Names of the audit's model values.
#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

std::string_view audit_scope_name(AuditScope scope) noexcept {
  switch (scope) {
    case AuditScope::system:
      return "system";
    case AuditScope::user:
      return "user";
    case AuditScope::file:
      return "file";
  }
  return "system";
}

}  // namespace bindtrace
