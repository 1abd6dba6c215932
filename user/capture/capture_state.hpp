// What a CaptureSession holds, shared by its parts: capture.cpp (load and
// attach by trial), maps.cpp (configuration, counters, index, aggregates) and
// pins.cpp (pin, adopt).
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <memory>
#include <string>
#include <vector>

#include "bindtrace/capture/capture.hpp"
#include "bindtrace/capture/libbpf_handles.hpp"
#include "bindtrace/capture/ring_reader.hpp"
#include "bindtrace/unique_fd.hpp"
#include "capture.skel.h"

namespace bindtrace {

struct SkeletonDeleter {
  void operator()(capture* skel) const noexcept { capture__destroy(skel); }
};
using SkeletonPtr = std::unique_ptr<capture, SkeletonDeleter>;
using LinkPtr = BpfLinkPtr;

struct CaptureSession::State {
  // Declared in destruction order: ring and links go before the skeleton.
  SkeletonPtr skel;                     // null when adopted from pins
  std::vector<UniqueFd> pinned_fds;     // adopted links and maps, kept open
  std::vector<LinkPtr> links;
  std::vector<std::string> link_names;  // program name of each link (parallel)
  std::unique_ptr<RingReader> ring;
  Tier tier = Tier::tracepoint;
  bool has_index = false;
  bool adopted = false;
  std::string core_btf;  // what CO-RE relocated against (CaptureSession::core_btf_used)
  // The maps every later call uses, from the skeleton or from the pins.
  int events_fd = -1;
  int counters_fd = -1;
  int listeners_fd = -1;
  int recorder_fd = -1;
  int recorder_meta_fd = -1;
  int aggregates_fd = -1;

  void take_map_fds() {
    events_fd = bpf_map__fd(skel->maps.events);
    counters_fd = bpf_map__fd(skel->maps.counters);
    listeners_fd = bpf_map__fd(skel->maps.listeners);
    recorder_fd = bpf_map__fd(skel->maps.recorder);
    recorder_meta_fd = bpf_map__fd(skel->maps.recorder_meta);
    aggregates_fd = bpf_map__fd(skel->maps.aggregates);
  }
};

// The filters and settings as the programs' .rodata.
void configure_rodata(capture::capture__rodata& ro, const CaptureConfig& config);

}  // namespace bindtrace
