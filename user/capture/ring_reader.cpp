// The single-mapping ring buffer consumer (see include/bindtrace/capture/ring_reader.hpp).
#include "bindtrace/capture/ring_reader.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "bindtrace/errors.hpp"

namespace bindtrace {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw RuntimeError("ring buffer: " + what + ": " + std::strerror(err));
}

std::uint64_t load_acquire(const void* address) {
  return __atomic_load_n(static_cast<const std::uint64_t*>(address), __ATOMIC_ACQUIRE);
}

}  // namespace

RingReader::RingReader(int map_fd) : page_size_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))) {
  bpf_map_info info{};
  __u32 info_len = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) != 0) fail("cannot read the map's info", errno);
  if (info.type != BPF_MAP_TYPE_RINGBUF) throw RuntimeError("ring buffer: the map is not a BPF ring buffer");
  data_size_ = info.max_entries;
  if (data_size_ == 0 || (data_size_ & (data_size_ - 1)) != 0 || data_size_ % page_size_ != 0)
    throw RuntimeError("ring buffer: unexpected size " + std::to_string(data_size_));

  consumer_page_ = ::mmap(nullptr, page_size_, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
  if (consumer_page_ == MAP_FAILED) {
    consumer_page_ = nullptr;
    fail("cannot map the consumer page", errno);
  }
  // The producer page and the data, once (the kernel offers them twice).
  producer_map_ = ::mmap(nullptr, page_size_ + data_size_, PROT_READ, MAP_SHARED, map_fd,
                         static_cast<off_t>(page_size_));
  if (producer_map_ == MAP_FAILED) {
    producer_map_ = nullptr;
    const int err = errno;
    ::munmap(consumer_page_, page_size_);
    consumer_page_ = nullptr;
    fail("cannot map the data", err);
  }
  data_ = static_cast<const std::uint8_t*>(producer_map_) + page_size_;

  epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
  epoll_event ev{};
  ev.events = EPOLLIN;
  if (!epoll_ || ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, map_fd, &ev) != 0) {
    const int err = errno;
    ::munmap(producer_map_, page_size_ + data_size_);
    ::munmap(consumer_page_, page_size_);
    producer_map_ = consumer_page_ = nullptr;
    fail("cannot wait on the map", err);
  }
}

RingReader::~RingReader() {
  if (producer_map_) ::munmap(producer_map_, page_size_ + data_size_);
  if (consumer_page_) ::munmap(consumer_page_, page_size_);
}

std::size_t RingReader::consume(const Handler& handler) {
  auto* consumer_pos = static_cast<std::uint64_t*>(consumer_page_);
  const std::uint64_t mask = data_size_ - 1;
  std::uint64_t cons = load_acquire(consumer_pos);
  std::size_t records = 0;
  for (;;) {
    const std::uint64_t prod = load_acquire(producer_map_);
    if (cons >= prod) return records;
    while (cons < prod) {
      const auto* header = data_ + (cons & mask);
      const auto len = __atomic_load_n(reinterpret_cast<const std::uint32_t*>(header), __ATOMIC_ACQUIRE);
      if (len & BPF_RINGBUF_BUSY_BIT) return records;  // reserved, not committed yet
      const std::uint32_t size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
      const std::uint64_t start = (cons + BPF_RINGBUF_HDR_SZ) & mask;
      cons += (static_cast<std::uint64_t>(size) + BPF_RINGBUF_HDR_SZ + 7) & ~std::uint64_t{7};
      if (!(len & BPF_RINGBUF_DISCARD_BIT) && size <= data_size_) {
        if (start + size <= data_size_) {
          handler(std::span<const std::uint8_t>(data_ + start, size));
        } else {  // wraps: the tail of the data, then its head
          const std::size_t first = data_size_ - start;
          scratch_.resize(size);
          std::memcpy(scratch_.data(), data_ + start, first);
          std::memcpy(scratch_.data() + first, data_, size - first);
          handler(std::span<const std::uint8_t>(scratch_.data(), size));
        }
        ++records;
      }
      __atomic_store_n(consumer_pos, cons, __ATOMIC_RELEASE);
    }
  }
}

std::size_t RingReader::poll(int timeout_ms, const Handler& handler) {
  epoll_event ev{};
  const int n = ::epoll_wait(epoll_.get(), &ev, 1, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    fail("waiting failed", errno);
  }
  return consume(handler);
}

}  // namespace bindtrace
