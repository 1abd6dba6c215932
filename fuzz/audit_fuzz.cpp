// The audit's readers on arbitrary text: the first byte picks the kind of
// definition (systemd unit, quadlet, compose, supervisor, nginx, redis,
// PostgreSQL, .env), the rest is the file. A file that cannot be read as its
// kind says why in ParsedFile::error; nothing may throw or crash, and every
// declaration found can go through the conflict rules. The publish-spec,
// endpoint and command-line readers see the same text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bindtrace/audit/conflicts.hpp"
#include "bindtrace/audit/endpoint_text.hpp"
#include "bindtrace/audit/file_kinds.hpp"
#include "bindtrace/audit/publish_spec.hpp"
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  constexpr int kKinds = static_cast<int>(bindtrace::FileKind::env);
  const auto kind = static_cast<bindtrace::FileKind>(1 + data[0] % kKinds);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const bindtrace::ParsedFile parsed = bindtrace::parse_by_kind(kind, text, "fuzz.conf");
  for (const bindtrace::PortDeclaration& d : parsed.declarations) FUZZ_CHECK(d.file == "fuzz.conf");
  (void)bindtrace::find_conflicts(parsed.declarations);

  (void)bindtrace::parse_publish_spec(text);
  (void)bindtrace::parse_text_endpoint(text);
  (void)bindtrace::ports_from_command(text);
  (void)bindtrace::program_identity(text);
  return 0;
}
