// --since/--until time specs and RFC 3339 record times, parsed without the C
// library's locale- and zone-dependent functions (no strptime, no mktime).
#include "bindtrace/dump/time_spec.hpp"

#include <array>
#include <chrono>
#include <string>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"

namespace bindtrace {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerMinute = 60;
constexpr std::int64_t kSecondsPerHour = 3600;
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kNsPerDay = kSecondsPerDay * kNsPerSecond;

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  [[nodiscard]] bool done() const noexcept { return pos_ == text_.size(); }
  [[nodiscard]] char peek() const noexcept { return done() ? '\0' : text_[pos_]; }
  bool eat(char c) noexcept {
    if (peek() != c || done()) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` decimal digits.
  std::optional<int> fixed_digits(int count) noexcept {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      if (!is_digit(peek())) return std::nullopt;
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }
  // One or more digits, without overflow.
  std::optional<std::int64_t> number() noexcept {
    if (!is_digit(peek())) return std::nullopt;
    std::int64_t value = 0;
    while (is_digit(peek())) {
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, text_[pos_] - '0', &value))
        return std::nullopt;
      ++pos_;
    }
    return value;
  }
  // ".5" -> 500000000 ns; digits past the ninth are dropped (below a nanosecond).
  std::optional<std::int64_t> fraction_ns() noexcept {
    if (!eat('.')) return 0;
    if (!is_digit(peek())) return std::nullopt;
    std::int64_t ns = 0;
    int used = 0;
    for (; is_digit(peek()); ++pos_) {
      if (used < 9) {
        ns = ns * 10 + (text_[pos_] - '0');
        ++used;
      }
    }
    for (; used < 9; ++used) ns *= 10;
    return ns;
  }
  std::string_view letters() noexcept {
    const std::size_t start = pos_;
    while (peek() >= 'a' && peek() <= 'z') ++pos_;
    return text_.substr(start, pos_ - start);
  }

 private:
  static bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<std::int64_t> checked_ns(std::int64_t seconds, std::int64_t extra_ns) noexcept {
  std::int64_t ns = 0;
  if (__builtin_mul_overflow(seconds, kNsPerSecond, &ns) || __builtin_add_overflow(ns, extra_ns, &ns))
    return std::nullopt;
  return ns;
}

enum class ZoneRule { required, optional };

// YYYY-MM-DD[(T|t| )HH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM]]. With ZoneRule::required
// (RFC 3339 proper) the seconds and the zone must be there.
std::optional<std::int64_t> parse_calendar(std::string_view text, ZoneRule rule) noexcept {
  namespace chrono = std::chrono;
  Cursor in(text);
  const auto year = in.fixed_digits(4);
  if (!year || !in.eat('-')) return std::nullopt;
  const auto month = in.fixed_digits(2);
  if (!month || !in.eat('-')) return std::nullopt;
  const auto day = in.fixed_digits(2);
  if (!day) return std::nullopt;
  const chrono::year_month_day date{chrono::year{*year}, chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const std::int64_t days = chrono::sys_days{date}.time_since_epoch().count();
  if (in.done()) {
    if (rule == ZoneRule::required) return std::nullopt;
    return checked_ns(days * kSecondsPerDay, 0);
  }

  if (!in.eat('T') && !in.eat('t') && !in.eat(' ')) return std::nullopt;
  const auto hour = in.fixed_digits(2);
  if (!hour || *hour > 23 || !in.eat(':')) return std::nullopt;
  const auto minute = in.fixed_digits(2);
  if (!minute || *minute > 59) return std::nullopt;
  int second = 0;
  std::int64_t fraction = 0;
  if (in.eat(':')) {
    const auto s = in.fixed_digits(2);
    if (!s || *s > 60) return std::nullopt;  // 60: a leap second, RFC 3339 allows it
    second = *s;
    const auto f = in.fraction_ns();
    if (!f) return std::nullopt;
    fraction = *f;
  } else if (rule == ZoneRule::required) {
    return std::nullopt;
  }

  std::int64_t offset_seconds = 0;
  const bool utc = in.eat('Z') || in.eat('z');
  if (const char sign_char = in.peek(); !utc && (sign_char == '+' || sign_char == '-')) {
    in.eat(sign_char);
    const int sign = sign_char == '-' ? -1 : 1;
    const auto oh = in.fixed_digits(2);
    if (!oh || *oh > 23 || !in.eat(':')) return std::nullopt;
    const auto om = in.fixed_digits(2);
    if (!om || *om > 59) return std::nullopt;
    offset_seconds = sign * (*oh * kSecondsPerHour + *om * kSecondsPerMinute);
  } else if (!utc && rule == ZoneRule::required) {
    return std::nullopt;
  }
  if (!in.done()) return std::nullopt;
  const std::int64_t seconds =
      days * kSecondsPerDay + *hour * kSecondsPerHour + *minute * kSecondsPerMinute + second - offset_seconds;
  return checked_ns(seconds, fraction);
}

// "1h30m", "250ms", "1d": a sum of number+unit parts, in nanoseconds.
std::optional<std::int64_t> parse_duration_ns(std::string_view text) noexcept {
  struct Unit {
    std::string_view name;
    std::int64_t ns;
  };
  static constexpr std::array<Unit, 5> kUnits = {{{"ms", 1'000'000},
                                                  {"s", kNsPerSecond},
                                                  {"m", 60 * kNsPerSecond},
                                                  {"h", 3600 * kNsPerSecond},
                                                  {"d", kNsPerDay}}};
  Cursor in(text);
  std::int64_t total = 0;
  do {
    const auto value = in.number();
    if (!value) return std::nullopt;
    const std::string_view name = in.letters();
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits)
      if (u.name == name) unit = &u;
    std::int64_t part = 0;
    if (unit == nullptr || __builtin_mul_overflow(*value, unit->ns, &part) ||
        __builtin_add_overflow(total, part, &total))
      return std::nullopt;
  } while (!in.done());
  return total;
}

// "@1732237200" or "@1732237200.25".
std::optional<std::int64_t> parse_epoch(std::string_view text) noexcept {
  Cursor in(text);
  if (!in.eat('@')) return std::nullopt;
  const auto seconds = in.number();
  if (!seconds) return std::nullopt;
  const auto fraction = in.fraction_ns();
  if (!fraction || !in.done()) return std::nullopt;
  return checked_ns(*seconds, *fraction);
}

std::int64_t start_of_utc_day(std::int64_t realtime_ns) noexcept {
  std::int64_t day = realtime_ns / kNsPerDay;
  if (realtime_ns % kNsPerDay < 0) --day;  // floor, also before 1970
  return day * kNsPerDay;
}

std::optional<std::int64_t> parse_spec(std::string_view text, std::int64_t now) noexcept {
  if (text == "now") return now;
  if (text == "today") return start_of_utc_day(now);
  if (text == "yesterday") return start_of_utc_day(now) - kNsPerDay;
  if (text.starts_with('@')) return parse_epoch(text);
  if (auto ago = parse_duration_ns(text)) {
    std::int64_t then = 0;
    if (__builtin_sub_overflow(now, *ago, &then)) return std::nullopt;
    return then;
  }
  return parse_calendar(text, ZoneRule::optional);
}

}  // namespace

std::int64_t parse_time_spec(std::string_view option, std::string_view text, std::int64_t now_realtime_ns) {
  if (auto ns = parse_spec(text, now_realtime_ns)) return *ns;
  throw UsageError(std::string(option) + ": '" + escape_for_terminal(text) +
                   "' is not a time (10m, 2h, 2026-11-22T01:00:00Z)");
}

std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text) noexcept {
  return parse_calendar(text, ZoneRule::required);
}

}  // namespace bindtrace
