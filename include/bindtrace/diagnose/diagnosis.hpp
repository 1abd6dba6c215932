// The verdict on one failure (docs/diagnosis.md): a code, a one-line
// summary and remedies a person can paste. Plain data; computed by diagnose()
// (diagnose.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bindtrace {

struct Diagnosis {
  // duplicate_manager, stale_instance, system_vs_user, foreign_service, container_port,
  // socket_activation, time_wait, reuseport_mismatch, listen_conflict, privileged_port,
  // address_not_available, unknown
  std::string code = "unknown";
  std::string summary;
  std::vector<std::string> remedies;
  bool restart_loop = false;
  std::uint32_t failures_in_window = 0;  // same program identity and endpoint, this window
};

}  // namespace bindtrace
