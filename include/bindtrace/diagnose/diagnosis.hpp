// The verdict on one failure (docs/diagnosis.md): a code, a one-line
// summary and remedies a person can paste. Plain data; computed by diagnose()
// (diagnose.hpp).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

// clang-format off
// docs/diagnosis.md describes each; `unknown` is the verdict when no rule names the failure.
enum class DiagnosisCode : std::uint8_t {
  unknown,
  duplicate_manager, stale_instance, system_vs_user, foreign_service, container_port, socket_activation,
  time_wait, reuseport_mismatch, listen_conflict, privileged_port, address_not_available, second_instance
};
// clang-format on

// "time_wait", "duplicate_manager", ...: the code as the JSON, the text and the hooks show it.
[[nodiscard]] std::string_view diagnosis_code_name(DiagnosisCode code) noexcept;
// The inverse of diagnosis_code_name(); nullopt for any other text.
[[nodiscard]] std::optional<DiagnosisCode> parse_diagnosis_code(std::string_view name) noexcept;

// For test failure messages (googletest finds it by argument-dependent lookup).
void PrintTo(DiagnosisCode code, std::ostream* os);

struct Diagnosis {
  DiagnosisCode code = DiagnosisCode::unknown;
  std::string summary;
  std::vector<std::string> remedies;
  bool restart_loop = false;
  std::uint32_t failures_in_window = 0;  // same program identity and endpoint, this window
};

}  // namespace bindtrace
