// Names of the diagnosis codes (diagnosis.hpp).
#include <ostream>

#include "bindtrace/diagnose/diagnosis.hpp"
#include "bindtrace/name_table.hpp"

namespace bindtrace {
namespace {

constexpr NameTable<DiagnosisCode, 13> kNames{{{
    {DiagnosisCode::unknown, "unknown"},
    {DiagnosisCode::duplicate_manager, "duplicate_manager"},
    {DiagnosisCode::stale_instance, "stale_instance"},
    {DiagnosisCode::system_vs_user, "system_vs_user"},
    {DiagnosisCode::foreign_service, "foreign_service"},
    {DiagnosisCode::container_port, "container_port"},
    {DiagnosisCode::socket_activation, "socket_activation"},
    {DiagnosisCode::time_wait, "time_wait"},
    {DiagnosisCode::reuseport_mismatch, "reuseport_mismatch"},
    {DiagnosisCode::listen_conflict, "listen_conflict"},
    {DiagnosisCode::privileged_port, "privileged_port"},
    {DiagnosisCode::address_not_available, "address_not_available"},
    {DiagnosisCode::second_instance, "second_instance"},
}}};

}  // namespace

std::string_view diagnosis_code_name(DiagnosisCode code) noexcept {
  return kNames.name(code);
}

std::optional<DiagnosisCode> parse_diagnosis_code(std::string_view name) noexcept {
  return kNames.parse(name);
}

void PrintTo(DiagnosisCode code, std::ostream* os) {
  *os << diagnosis_code_name(code);
}

}  // namespace bindtrace
