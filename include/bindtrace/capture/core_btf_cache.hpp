// A minimal BTF for CO-RE, cut once per kernel and BPF object from the
// kernel's BTF and kept on disk, so a start-up relocates against a few kB
// instead of parsing the kernel's megabytes (docs/PERFORMANCE.md, start-up).
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace bindtrace {

inline constexpr const char* kCoreBtfCacheDir = "/var/cache/bindtrace/btf";

// `<dir>/<key>.btf`, where the key digests the BPF object and the kernel's
// BTF identity (release, version string and the size of /sys/kernel/btf/vmlinux):
// another kernel or another build of bindtrace gets another file.
[[nodiscard]] std::string core_btf_path(const std::string& dir, std::span<const std::byte> object);

// Writes core_btf_path() with `bpftool gen min_core_btf` (the object written
// to a temporary file beside it, the result renamed into place, so a reader
// sees a whole file or none). Returns "" on success, else why not
// ("bpftool not found", its exit status and message, a write error).
[[nodiscard]] std::string generate_core_btf(const std::string& dir, std::span<const std::byte> object);

}  // namespace bindtrace
