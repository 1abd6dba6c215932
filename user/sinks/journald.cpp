// Journal entries over journald's native protocol (sd_journal_sendv, one
// datagram to /run/systemd/journal/socket). Lengths are explicit, so values
// are sent byte for byte after to_valid_utf8.
#include "bindtrace/sinks/journald.hpp"

#include <sys/stat.h>
#include <sys/uio.h>

#include <cerrno>
#include <string_view>
#include <vector>

#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/format/event_json.hpp"
#include "bindtrace/sinks/systemd_library.hpp"

namespace bindtrace {
namespace {

std::string error_text(int err) {
  const std::string_view name = errno_name(err);
  return name.empty() ? "errno " + std::to_string(err) : std::string(name);
}

// "nginx[12]", "3 TIME_WAIT sockets", "gone": who blocks, in a few words.
std::string owner_words(const Owner& owner) {
  if (owner.kind == OwnerKind::time_wait)
    return std::to_string(owner.time_wait_count) + " TIME_WAIT socket" +
           (owner.time_wait_count == 1 ? "" : "s");
  if (owner.holders.empty()) return std::string(owner_kind_name(owner.kind));
  const Holder& first = owner.holders.front();
  std::string words = escape_for_terminal(first.comm) + "[" + std::to_string(first.pid) + "]";
  if (owner.holders.size() > 1) words += " +" + std::to_string(owner.holders.size() - 1) + " more";
  return words;
}

// KEY=VALUE strings, each one iovec of sd_journal_sendv.
class JournalEntry {
 public:
  void add(std::string_view key, std::string_view value) {
    std::string field(key);
    field += '=';
    field += value;
    fields_.push_back(std::move(field));
  }

  // Returns sd_journal_sendv's result: 0, or a negative errno (-ENOSYS
  // without libsystemd).
  int send() const {
    const auto sendv = systemd_library().journal_sendv;
    if (!sendv) return -ENOSYS;
    std::vector<iovec> iov;
    iov.reserve(fields_.size());
    for (const std::string& f : fields_) iov.push_back({const_cast<char*>(f.data()), f.size()});
    return sendv(iov.data(), static_cast<int>(iov.size()));
  }

 private:
  std::vector<std::string> fields_;
};

}  // namespace

std::string event_summary_line(const Event& event) {
  std::string line(event_name(event));
  if (event.err != 0) line += " " + error_text(event.err);
  line += ' ';
  line += event.endpoint.family == Family::unix_ ? std::string_view("unix") : proto_name(event.proto);
  line += " " + escape_for_terminal(to_string(event.endpoint));
  line += " by " + escape_for_terminal(event.process.comm) + "[" + std::to_string(event.process.pid) + "]";
  if (event.owner) line += "; owner " + owner_words(*event.owner);
  if (event.diagnosis && !event.diagnosis->summary.empty())
    line += ": " + escape_for_terminal(event.diagnosis->summary);
  return line;
}

bool JournaldSink::available() {
  struct stat st {};
  return ::stat(kSocketPath, &st) == 0 && S_ISSOCK(st.st_mode);
}

void JournaldSink::write(const Event& event) {
  JournalEntry entry;
  entry.add("MESSAGE", event_summary_line(event));
  entry.add("PRIORITY", "4");  // LOG_WARNING
  entry.add("SYSLOG_IDENTIFIER", "bindtrace");
  entry.add("BINDTRACE_EVENT", event_name(event));
  if (event.err != 0) entry.add("BINDTRACE_ERROR", error_text(event.err));
  entry.add("BINDTRACE_PROTO", proto_name(event.proto));
  entry.add("BINDTRACE_FAMILY", family_name(event.endpoint.family));
  entry.add("BINDTRACE_ADDR", to_valid_utf8(event.endpoint.address));
  if (event.endpoint.has_port()) entry.add("BINDTRACE_PORT", std::to_string(event.endpoint.port));
  entry.add("BINDTRACE_PID", std::to_string(event.process.pid));
  entry.add("BINDTRACE_COMM", to_valid_utf8(event.process.comm));
  if (event.owner)
    for (const Holder& holder : event.owner->holders)
      entry.add("BINDTRACE_OWNER_PID", std::to_string(holder.pid));
  if (event.process.service && !event.process.service->name.empty())
    entry.add("BINDTRACE_SERVICE", to_valid_utf8(event.process.service->name));
  if (event.diagnosis) entry.add("BINDTRACE_DIAGNOSIS", diagnosis_code_name(event.diagnosis->code));
  std::string json = event_to_json_line(event);
  if (!json.empty() && json.back() == '\n') json.pop_back();
  entry.add("BINDTRACE_JSON", json);

  // libsystemd reports success when the socket is missing (journald not
  // running), so that case is checked here to be counted.
  const int rc = available() ? entry.send() : -ENOENT;
  if (rc < 0) {
    last_error_.store(-rc, std::memory_order_relaxed);
    errors_.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace bindtrace
