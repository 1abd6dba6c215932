// How far a typo is from a known name (optimal string alignment distance:
// insertions, deletions, substitutions and a swap of two neighbours each
// count one), for the "did you mean" of the command line and the config file.
#pragma once

#include <cstddef>
#include <string_view>

namespace bindtrace {

[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace bindtrace
