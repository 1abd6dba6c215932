// Ports and addresses as configuration files and command lines write them:
// "8001", ":8001", "0.0.0.0:8001", "[::]:8001", "localhost:8001".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace bindtrace {

struct TextEndpoint {
  std::string address;  // "" when not said; "localhost" becomes "127.0.0.1", "*" becomes ""
  std::uint16_t port = 0;
  bool operator==(const TextEndpoint&) const = default;
};

// "8001", ":8001", "host:8001", "[v6]:8001"; nullopt for anything else
// (unix sockets, URLs, names with no port).
[[nodiscard]] std::optional<TextEndpoint> parse_text_endpoint(std::string_view text);

// An address as written, normalised: "*", "" -> ""; "localhost" ->
// "127.0.0.1"; "[::]" -> "::".
[[nodiscard]] std::string normalise_address(std::string_view text);

// The ports a command line asks for: --port N, --port=N, -p N, --bind/-b/
// --listen/-S HOST:PORT, --host/-H/--bind ADDRESS (the address of the port),
// ":N" and "host:N" words that are not the value of another option, and
// `python -m http.server N`.
[[nodiscard]] std::vector<TextEndpoint> ports_from_command(std::string_view command);

// The program a command line starts, comparable across managers: the
// executable's base name followed by its arguments ("python3 -m http.server 8001").
[[nodiscard]] std::string program_identity(std::string_view command);

}  // namespace bindtrace
