// A podman quadlet (.container) read for the host ports it publishes:
// [Container] PublishPort=[IP:]HOST:CONTAINER[/PROTO]. A port published
// without a host port gets a random one and is not a claim. Pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bindtrace/audit/declaration.hpp"

namespace bindtrace {

// manager podman, name "X.container", published; enabled when an [Install]
// section names a target (quadlets start at boot only then), else unknown.
// The tree walker sets the scope.
[[nodiscard]] std::vector<PortDeclaration> parse_quadlet(std::string_view content, const std::string& file,
                                                         const std::string& name);

}  // namespace bindtrace
