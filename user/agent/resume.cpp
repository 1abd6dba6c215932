// Where an earlier agent's log ends: the highest flight-recorder sequence
// number it wrote, so a restarted agent drains only what it missed.
#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "bindtrace/agent/agent.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

constexpr off_t kTailBytes = 1 << 20;

// nullopt: nothing decisive in this file (look at the previous one).
std::optional<std::uint64_t> last_seq_in(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size <= 0) return std::nullopt;
  const off_t from = size > kTailBytes ? size - kTailBytes : 0;
  std::string tail(static_cast<std::size_t>(size - from), '\0');
  const ssize_t n = ::pread(fd.get(), tail.data(), tail.size(), from);
  if (n <= 0) return std::nullopt;
  tail.resize(static_cast<std::size_t>(n));
  std::string_view rest(tail);
  while (!rest.empty()) {
    std::size_t end = rest.size();
    if (rest.back() == '\n') --end;
    const std::size_t start = rest.rfind('\n', end == 0 ? 0 : end - 1);
    const std::size_t begin = start == std::string_view::npos ? 0 : start + 1;
    const std::string_view line = rest.substr(begin, end - begin);
    rest = rest.substr(0, begin);
    if (begin == 0 && from > 0) break;  // possibly cut by the tail window
    const auto record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!record.is_object()) continue;  // torn or foreign: skip
    if (auto seq = record.find("seq"); seq != record.end() && seq->is_number_unsigned())
      return seq->get<std::uint64_t>();
    if (record.value("record", "") == "agent" && record.value("recorder", "") == "new") return 0;
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t last_logged_seq(const std::string& path) {
  if (path.empty() || path == "-") return 0;
  if (auto seq = last_seq_in(path)) return *seq;
  return last_seq_in(path + ".1").value_or(0);
}

}  // namespace bindtrace
