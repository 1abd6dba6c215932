// See include/bindtrace/cli/numbers.hpp.
#include "bindtrace/cli/numbers.hpp"
#include "bindtrace/events/number_text.hpp"

#include <cctype>
#include <charconv>
#include <limits>

namespace bindtrace {

std::optional<std::uint64_t> parse_size(std::string_view text) noexcept {
  constexpr std::string_view kUnits = "KMG";  // 2^10, 2^20, 2^30
  int shift = 0;
  if (!text.empty()) {
    const auto unit = kUnits.find(static_cast<char>(std::toupper(static_cast<unsigned char>(text.back()))));
    if (unit != std::string_view::npos) {
      shift = 10 * static_cast<int>(unit + 1);
      text.remove_suffix(1);
    }
  }
  const auto value = parse_number<std::uint64_t>(text);
  if (!value || *value > (std::numeric_limits<std::uint64_t>::max() >> shift)) return std::nullopt;
  return *value << shift;
}

}  // namespace bindtrace
