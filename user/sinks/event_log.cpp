// The rotating, crash-safe JSON-lines event log. A record is whole or absent:
// it goes out in one write(2) on an O_APPEND file, and a tail cut short (by
// SIGKILL inside the kernel, or by a full disk) is truncated back to the last
// '\n' before anything else is written after it.
#include "bindtrace/sinks/event_log.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/event_json.hpp"

namespace bindtrace {
namespace {

constexpr mode_t kFileMode = 0600;
constexpr mode_t kDirMode = 0700;
constexpr std::size_t kTailChunk = 64 << 10;

std::string rotated_path(const std::string& path, unsigned k) {
  return path + "." + std::to_string(k);
}

// Creates each missing directory of `dir` with mode 0700; 0 or an errno.
int make_private_dirs(const std::filesystem::path& dir) {
  std::filesystem::path prefix;
  for (const auto& part : dir) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), kDirMode) != 0 && errno != EEXIST) return errno;
  }
  return 0;
}

struct TailCut {
  std::uint64_t size = 0;  // the file's size afterwards
  bool cut = false;
  int err = 0;
};

// Truncates the file back to just after its last '\n' (to 0 when it has none).
TailCut cut_torn_tail(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {.err = errno};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t whole = 0;  // bytes up to and including the last '\n'
  std::vector<char> buf;
  for (std::uint64_t end = size; end > 0;) {
    const std::uint64_t begin = end - std::min<std::uint64_t>(end, kTailChunk);
    buf.resize(static_cast<std::size_t>(end - begin));
    const ssize_t got = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(begin));
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(buf.size())) return {.size = size, .err = got < 0 ? errno : EIO};
    if (const auto nl = std::find(buf.rbegin(), buf.rend(), '\n'); nl != buf.rend()) {
      whole = begin + static_cast<std::uint64_t>(nl.base() - buf.begin());
      break;
    }
    end = begin;
  }
  if (whole == size) return {.size = size};
  if (::ftruncate(fd, static_cast<off_t>(whole)) != 0) return {.size = size, .err = errno};
  return {.size = whole, .cut = true};
}

struct OpenedLog {
  UniqueFd fd;
  std::uint64_t size = 0;
  bool tail_cut = false;
  int err = 0;          // when !fd
  std::string reason;   // when !fd: why, for a person
  bool in_use = false;  // when !fd: another writer holds the lock
  pid_t holder = 0;     // that writer, when its pid is known
};

// `context` leads the errno's text in the reason.
OpenedLog failed(int err, const std::string& context = "") {
  OpenedLog result;
  result.err = err;
  result.reason = context + std::strerror(err);
  return result;
}

// The process holding a POSIX lock on the file, or 0. Only a process in
// another process can be named: F_GETLK ignores the caller's own locks.
pid_t lock_holder(int fd) {
  struct flock query {};
  query.l_type = F_WRLCK;
  query.l_whence = SEEK_SET;
  if (::fcntl(fd, F_GETLK, &query) != 0 || query.l_type == F_UNLCK) return 0;
  return query.l_pid > 0 ? query.l_pid : 0;
}

// Opens (creating it 0600), locks, makes private, and cuts a torn tail.
// O_RDWR rather than O_WRONLY: the tail is read through the very file that
// was locked, not through a second open of a path that may have changed.
OpenedLog open_log(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    if (const int err = make_private_dirs(parent))
      return failed(err, "cannot create directory " + escape_for_terminal(parent.string()) + ": ");
  }
  OpenedLog result;
  result.fd.reset(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kFileMode));
  if (!result.fd) return failed(errno);
  const int fd = result.fd.get();
  // flock() belongs to the open file, so a second EventLog in this process is
  // refused too; the POSIX lock below only lets another process name us.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    OpenedLog busy = failed(errno);
    busy.in_use = busy.err == EWOULDBLOCK;
    if (busy.in_use) busy.holder = lock_holder(fd);
    return busy;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return failed(errno);
  if (!S_ISREG(st.st_mode)) {
    OpenedLog special = failed(EINVAL);
    special.reason = "not a regular file";
    return special;
  }
  if (::fchmod(fd, kFileMode) != 0) return failed(errno, "cannot make it private: ");
  const TailCut tail = cut_torn_tail(fd);
  if (tail.err != 0) return failed(tail.err, "cannot repair its last record: ");
  result.size = tail.size;
  result.tail_cut = tail.cut;
  // Best effort: without it a second writer is still refused, just without our pid.
  struct flock mine {};
  mine.l_type = F_WRLCK;
  mine.l_whence = SEEK_SET;
  (void)::fcntl(fd, F_SETLK, &mine);
  return result;
}

std::string open_error(const std::string& path, const OpenedLog& opened) {
  const std::string shown = escape_for_terminal(path);
  if (opened.in_use) {
    std::string text = "event log " + shown + " is in use by another bindtrace";
    if (opened.holder > 0) text += " (pid " + std::to_string(opened.holder) + ")";
    return text;
  }
  return "cannot open event log " + shown + ": " + opened.reason;
}

void require_path(const EventLogOptions& options) {
  if (options.path.empty()) throw UsageError("the event log needs a path");
}

bool same_file(int fd, const std::string& path) {
  struct stat open_st {};
  struct stat path_st {};
  return ::fstat(fd, &open_st) == 0 && ::lstat(path.c_str(), &path_st) == 0 &&
         open_st.st_dev == path_st.st_dev && open_st.st_ino == path_st.st_ino;
}

}  // namespace

EventLog::EventLog(EventLogOptions options) : options_(std::move(options)) {
  require_path(options_);
  OpenedLog opened = open_log(options_.path);
  if (!opened.fd) throw RuntimeError(open_error(options_.path, opened));
  fd_ = std::move(opened.fd);
  size_ = opened.size;
  if (opened.tail_cut) ++stats_.repaired_tails;
}

bool EventLog::append(std::string_view line) {
  std::string with_newline;
  std::string_view record = line;
  if (record.empty() || record.back() != '\n') {
    with_newline.reserve(line.size() + 1);
    with_newline.append(line).push_back('\n');
    record = with_newline;
  }
  std::lock_guard lock(mutex_);
  // Two lines would be two records, the second one without a time or a type.
  if (record.size() == 1 || record.find('\n') != record.size() - 1) {
    fail(EINVAL);
    return false;
  }
  return write_record(record);
}

bool EventLog::write_record(std::string_view record) {
  if (!fd_) {
    if (const int err = open_fresh()) {
      fail(err);
      return false;
    }
  }
  if (torn_tail_ && !cut_tail()) {
    fail(stats_.last_errno);
    return false;
  }
  if (would_overflow(record.size())) {
    if (const int err = rotate()) {
      fail(err);
      return false;
    }
  }
  std::size_t done = 0;
  int err = 0;
  while (done < record.size()) {
    const ssize_t n = ::write(fd_.get(), record.data() + done, record.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += done;
  if (err != 0) {
    if (done > 0) {
      torn_tail_ = true;
      cut_tail();  // frees the space too; when it fails, the next append tries again
    }
    fail(err);
    return false;
  }
  ++stats_.records;
  stats_.bytes += record.size();
  if (options_.fsync_each && ::fdatasync(fd_.get()) != 0) sync_failed(errno);
  return true;
}

bool EventLog::cut_tail() {
  const TailCut tail = cut_torn_tail(fd_.get());
  if (tail.err != 0) {
    stats_.last_errno = tail.err;
    return false;
  }
  size_ = tail.size;
  torn_tail_ = false;
  if (tail.cut) ++stats_.repaired_tails;
  return true;
}

// A record is never split over files, and an empty file takes any record.
bool EventLog::would_overflow(std::size_t record_bytes) {
  auto over = [&] { return size_ > 0 && size_ + record_bytes > options_.max_bytes; };
  if (!over()) return false;
  // The size we counted is wrong after logrotate's copytruncate.
  struct stat st {};
  if (::fstat(fd_.get(), &st) == 0) size_ = static_cast<std::uint64_t>(st.st_size);
  return over();
}

// 0 when the record can be written (to a fresh file, or to the current one
// when the rotation itself failed), else the errno of opening the fresh file.
int EventLog::rotate() {
  if (::fdatasync(fd_.get()) != 0) sync_failed(errno);
  const std::string& path = options_.path;
  const unsigned keep = options_.keep;
  for (unsigned k = keep; k > 1; --k) {
    if (::rename(rotated_path(path, k - 1).c_str(), rotated_path(path, k).c_str()) != 0 && errno != ENOENT) {
      return rotation_failed(errno);  // moving `path` onto .1 now would destroy .1
    }
  }
  const int moved =
      keep == 0 ? ::unlink(path.c_str()) : ::rename(path.c_str(), rotated_path(path, 1).c_str());
  if (moved != 0 && errno != ENOENT) return rotation_failed(errno);
  // Files beyond `keep`: left over from a larger keep before a reload.
  for (unsigned k = keep + 1; ::unlink(rotated_path(path, k).c_str()) == 0; ++k) {
  }
  ++stats_.rotations;
  fd_.reset();
  return open_fresh();
}

int EventLog::rotation_failed(int err) {
  ++stats_.rotation_errors;
  stats_.last_errno = err;
  return 0;
}

int EventLog::open_fresh() {
  OpenedLog opened = open_log(options_.path);
  if (!opened.fd) return opened.in_use ? EWOULDBLOCK : opened.err;
  fd_ = std::move(opened.fd);
  size_ = opened.size;
  torn_tail_ = false;
  if (opened.tail_cut) ++stats_.repaired_tails;
  return 0;
}

void EventLog::fail(int err) {
  ++stats_.write_errors;
  stats_.last_errno = err;
}

void EventLog::sync_failed(int err) {
  ++stats_.sync_errors;
  stats_.last_errno = err;
}

void EventLog::flush() {
  std::lock_guard lock(mutex_);
  if (fd_ && ::fdatasync(fd_.get()) != 0) sync_failed(errno);
}

void EventLog::reopen(EventLogOptions options) {
  require_path(options);
  std::lock_guard lock(mutex_);
  // Still the file we hold (a reload that kept the path): opening it again
  // would conflict with our own lock.
  if (fd_ && same_file(fd_.get(), options.path)) {
    options_ = std::move(options);
    return;
  }
  OpenedLog opened = open_log(options.path);
  if (!opened.fd) throw RuntimeError(open_error(options.path, opened));
  if (fd_) {
    if (torn_tail_) cut_tail();
    if (::fdatasync(fd_.get()) != 0) sync_failed(errno);
  }
  fd_ = std::move(opened.fd);
  size_ = opened.size;
  torn_tail_ = false;
  if (opened.tail_cut) ++stats_.repaired_tails;
  options_ = std::move(options);
}

EventLogStats EventLog::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void EventLogSink::write(const Event& event) {
  log_.append(event_to_json_line(event));
}

void EventLogSink::flush() {
  log_.flush();
}

}  // namespace bindtrace
