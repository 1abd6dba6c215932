// The login name of a uid, from the passwd database (NSS), for the remedies
// that reach a user's systemd manager (`systemctl --user -M alice@`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bindtrace/attribute.hpp"

namespace bindtrace {

// The name of `uid`; nullopt when the database has none. Answers are cached
// per uid (bounded), so a storm of failures asks the database once.
[[nodiscard]] std::optional<std::string> user_name_of(std::uint32_t uid);

// Sets `service.user` to the name of `service.uid`, when both are known.
void add_user_name(Service& service);

}  // namespace bindtrace
