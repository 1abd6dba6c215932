// The small enumerations every stage shares: which call, which hook tier,
// which transport.
#pragma once

#include <cstdint>

namespace bindtrace {

enum class Op : std::uint8_t { bind, listen, connect };
enum class Tier : std::uint8_t { fentry, kprobe, tracepoint, raw };
enum class Proto : std::uint8_t { tcp, udp, other };

}  // namespace bindtrace
