// libbpf's messages: kept so a failed trial can say why, echoed under -v.
#pragma once

#include <string>

namespace bindtrace {

// Routes libbpf's print callback here (once per process).
void install_libbpf_print();
// The last warning libbpf printed since the previous call, and clears it.
[[nodiscard]] std::string take_last_warning();
// "prog 'state_btf': ..." -> "state_btf"; empty when no program is named.
[[nodiscard]] std::string program_named_in(const std::string& message);

}  // namespace bindtrace
