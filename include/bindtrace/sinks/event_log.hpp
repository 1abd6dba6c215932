// The agent's event log: JSON lines in one file, rotated by size, crash-safe
// (each record is one write(2), a torn tail left by a crash is cut off on
// open), one writer per file (an exclusive lock), errors counted, never fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "bindtrace/sinks.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {

struct EventLogOptions {
  std::string path;                       // e.g. /var/log/bindtrace/events.jsonl
  std::uint64_t max_bytes = 64ull << 20;  // rotate when the next record would exceed this
  // Rotated files kept: path.1 (newest) .. path.<keep>. 0 keeps none: a full
  // log is removed and started over as a new file (never truncated in place,
  // so a reader that has it open still sees whole records).
  unsigned keep = 5;
  bool fsync_each = false;  // fdatasync after every record (else on flush() and rotation)
};

struct EventLogStats {
  std::uint64_t records = 0;  // records written
  std::uint64_t bytes = 0;    // bytes written, over all files
  std::uint64_t rotations = 0;
  std::uint64_t write_errors = 0;     // records not written (ENOSPC, EIO, a line with an inner '\n', ...)
  std::uint64_t repaired_tails = 0;   // torn last records cut off (on open, or after a failed write)
  std::uint64_t rotation_errors = 0;  // rotations that failed; the record then went to the current file
  std::uint64_t sync_errors = 0;      // fdatasync failures (records written, durability unknown)
  int last_errno = 0;
};

// Thread-safe: records from several threads never interleave.
class EventLog {
 public:
  // Creates the parent directory (0700) when missing; the file is 0600, an
  // existing one is made 0600. Throws RuntimeError when it cannot be opened
  // or another process (or EventLog) writes it.
  explicit EventLog(EventLogOptions options);

  // One record; '\n' is added when missing. False when not written (counted).
  bool append(std::string_view line);
  void flush();
  // New options (SIGHUP), or the same ones after logrotate moved the file.
  // Throws RuntimeError and keeps the current file when the new one cannot
  // be opened.
  void reopen(EventLogOptions options);

  [[nodiscard]] EventLogStats stats() const;
  // Not synchronised with reopen(): read it from the thread that reopens.
  [[nodiscard]] const EventLogOptions& options() const { return options_; }

 private:
  // All of these run with mutex_ held.
  bool write_record(std::string_view record);
  bool cut_tail();
  bool would_overflow(std::size_t record_bytes);
  int rotate();
  int rotation_failed(int err);
  int open_fresh();
  void fail(int err);
  void sync_failed(int err);

  mutable std::mutex mutex_;
  EventLogOptions options_;
  UniqueFd fd_;
  std::uint64_t size_ = 0;  // bytes in the current file
  bool torn_tail_ = false;  // a partial record is at the end of the current file
  EventLogStats stats_;
};

// Writes event_to_json_line(event) into an EventLog.
class EventLogSink : public Sink {
 public:
  explicit EventLogSink(EventLog& log) : log_(log) {}
  void write(const Event& event) override;
  void flush() override;

 private:
  EventLog& log_;
};

}  // namespace bindtrace
