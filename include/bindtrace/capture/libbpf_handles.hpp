// Owning handles for libbpf objects, so every link and ring buffer is freed
// exactly once on every path: every kernel object has an owner.
// Skeletons get their own deleters next to their generated header.
#pragma once

#include <bpf/libbpf.h>

#include <memory>

namespace bindtrace {

struct BpfLinkDeleter {
  void operator()(bpf_link* link) const noexcept { bpf_link__destroy(link); }
};
struct RingBufferDeleter {
  void operator()(ring_buffer* ring) const noexcept { ring_buffer__free(ring); }
};
using BpfLinkPtr = std::unique_ptr<bpf_link, BpfLinkDeleter>;
using RingBufferPtr = std::unique_ptr<ring_buffer, RingBufferDeleter>;

}  // namespace bindtrace
