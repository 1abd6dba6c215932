// Consumer of a BPF ring buffer that maps its data area once.
//
// libbpf's ring_buffer maps the data area twice in a row (the kernel lays it
// out that way so a record that wraps is contiguous), and the resident set
// counts both copies: 16 MiB for the default 8 MiB ring, most of bindtrace's
// memory. This reader maps it once and copies the rare record that wraps
// around the end into a scratch buffer. The kernel ABI it reads is
// include/uapi/linux/bpf.h (BPF_RINGBUF_*): a consumer page (ours to write),
// a producer page, then the data; every record has an 8-byte header (length
// with busy/discard bits, page offset) and is padded to 8 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

class RingReader {
 public:
  using Handler = std::function<void(std::span<const std::uint8_t>)>;

  // Maps the ring buffer map `map_fd` (not owned; it must outlive the
  // reader). Throws RuntimeError with the reason when it cannot.
  explicit RingReader(int map_fd);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Hands every committed record to `handler`, in order; returns how many.
  std::size_t consume(const Handler& handler);
  // Waits up to timeout_ms (-1: forever) for the kernel's wake-up, then
  // consumes. Returns the records consumed; 0 on timeout or EINTR.
  std::size_t poll(int timeout_ms, const Handler& handler);

  [[nodiscard]] std::size_t data_size() const noexcept { return data_size_; }
  // Bytes mapped into this process (consumer page, producer page, data).
  [[nodiscard]] std::size_t mapped_bytes() const noexcept { return page_size_ * 2 + data_size_; }

 private:
  std::size_t page_size_ = 0;
  std::size_t data_size_ = 0;
  void* consumer_page_ = nullptr;  // read-write: consumer_pos
  void* producer_map_ = nullptr;   // read-only: producer_pos page + data
  const std::uint8_t* data_ = nullptr;
  UniqueFd epoll_;
  std::vector<std::uint8_t> scratch_;  // a record that wraps, made contiguous
};

}  // namespace bindtrace
