// Reads the agent's TOML configuration into an AgentConfig. Values go through
// the command line's validators (filter_spec.hpp); their UsageError comes back
// as a ConfigError that points at the offending value's line and column.
#include "bindtrace/agent/config.hpp"

#include <fcntl.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "bindtrace/cli/edit_distance.hpp"
#include "bindtrace/events/errno_names.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/events/events.hpp"
#include "bindtrace/capture/kernel_env.hpp"
#include "bindtrace/cli/numbers.hpp"
#include "bindtrace/sinks/metrics_server.hpp"
#include "bindtrace/unique_fd.hpp"

namespace bindtrace {
namespace {

constexpr std::size_t kConfigFileMax = 1 << 20;
constexpr std::size_t kCommMax = 15;  // TASK_COMM_LEN - 1, as --allow-comm

std::string quoted(std::string_view text) {
  return "'" + escape_for_terminal(text) + "'";
}

bool is_power_of_two(std::uint64_t value) {
  return value != 0 && (value & (value - 1)) == 0;
}



std::string_view type_phrase(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

// Prefixes every error with "FILE:LINE:COLUMN: ".
class Locator {
 public:
  explicit Locator(std::string_view source)
      : source_(source.empty() ? std::string("<config>") : escape_for_terminal(source)) {}

  [[noreturn]] void fail(const toml::source_region& where, const std::string& message) const {
    throw ConfigError(source_ + ":" + std::to_string(where.begin.line) + ":" +
                      std::to_string(where.begin.column) + ": " + message);
  }

 private:
  std::string source_;
};

// One value in the file with the label that names it ("[filter] ports").
// Every accessor fails at the value's own position.
class Value {
 public:
  Value(const Locator& at, std::string label, const toml::node& node)
      : at_(&at), label_(std::move(label)), node_(&node) {}

  [[nodiscard]] const std::string& label() const noexcept { return label_; }
  [[nodiscard]] const toml::source_region& where() const noexcept { return node_->source(); }

  [[noreturn]] void fail(const std::string& why) const { at_->fail(where(), label_ + ": " + why); }
  [[noreturn]] void wrong_type(std::string_view expected) const {
    fail("expected " + std::string(expected) + ", got " + std::string(type_phrase(node_->type())));
  }

  // Runs a command-line validator; its UsageError becomes a ConfigError here.
  template <typename Validate>
  decltype(auto) check(Validate&& validate) const {
    try {
      return validate();
    } catch (const ConfigError&) {
      throw;
    } catch (const UsageError& error) {
      fail(without_option(error.what()));
    }
  }

  [[nodiscard]] const toml::table& table() const {
    if (const toml::table* t = node_->as_table()) return *t;
    wrong_type("a table");
  }

  [[nodiscard]] bool boolean() const {
    if (const auto* b = node_->as_boolean()) return b->get();
    wrong_type("a boolean (true or false)");
  }

  [[nodiscard]] std::string string() const {
    if (const auto* s = node_->as_string()) return s->get();
    wrong_type("a string");
  }

  // A string, or an integer taken as its decimal text (ports, pids, sizes).
  [[nodiscard]] std::string text() const {
    if (const auto* s = node_->as_string()) return s->get();
    if (const auto* i = node_->as_integer()) return std::to_string(i->get());
    wrong_type("a string or an integer");
  }

  [[nodiscard]] std::int64_t integer(std::int64_t low, std::int64_t high) const {
    const auto* i = node_->as_integer();
    if (i == nullptr) wrong_type("an integer");
    if (i->get() < low || i->get() > high) {
      fail(std::to_string(i->get()) + " is outside " + std::to_string(low) + "-" + std::to_string(high));
    }
    return i->get();
  }

  [[nodiscard]] std::vector<Value> elements() const {
    const toml::array* array = node_->as_array();
    if (array == nullptr) wrong_type("an array");
    std::vector<Value> out;
    out.reserve(array->size());
    for (const toml::node& element : *array) out.emplace_back(*at_, label_, element);
    return out;
  }

  // One of the names in `choices`.
  template <typename T>
  [[nodiscard]] T choice(std::initializer_list<std::pair<std::string_view, T>> choices) const {
    const std::string name = string();
    for (const auto& [choice_name, result] : choices) {
      if (choice_name == name) return result;
    }
    std::string names;
    for (const auto& c : choices) names += (names.empty() ? "" : ", ") + std::string(c.first);
    fail(quoted(name) + " is not one of " + names);
  }

  [[nodiscard]] std::uint64_t size(std::uint64_t low, std::uint64_t high, bool power_of_two) const {
    const std::string given = text();
    const auto bytes = parse_size(given);
    if (!bytes) fail(quoted(given) + " is not a size (e.g. 256K, 64M, 1G)");
    if (*bytes < low || *bytes > high || (power_of_two && !is_power_of_two(*bytes))) {
      fail(quoted(given) + " must be " + (power_of_two ? "a power of two " : "") + "from " + size_name(low) +
           " to " + size_name(high));
    }
    return *bytes;
  }

  [[nodiscard]] std::chrono::milliseconds duration() const {
    const std::string given = text();  // a plain number is seconds, as on the command line
    return std::chrono::milliseconds(check([&] { return parse_duration_ms(label_, given); }));
  }

  [[nodiscard]] std::string absolute_path() const {
    const std::string path = string();
    if (path.empty() || path.front() != '/') fail(quoted(path) + " is not an absolute path");
    if (path.find('\0') != std::string::npos) fail(quoted(path) + " contains a NUL byte");
    return path;
  }

 private:
  static std::string size_name(std::uint64_t bytes) {
    for (const auto& [shift, unit] : {std::pair{30, "G"}, std::pair{20, "M"}, std::pair{10, "K"}}) {
      if (bytes >= (1ull << shift) && bytes % (1ull << shift) == 0)
        return std::to_string(bytes >> shift) + unit;
    }
    return std::to_string(bytes);
  }

  // The validators name their option ("--port: ..."); here the label does.
  [[nodiscard]] std::string without_option(std::string_view message) const {
    const std::size_t colon = message.find(": ");
    if (colon != std::string_view::npos &&
        (message.starts_with("--") || message.substr(0, colon) == label_)) {
      message.remove_prefix(colon + 2);
    }
    return std::string(message);
  }

  const Locator* at_;
  std::string label_;
  const toml::node* node_;
};

struct Key {
  std::string_view name;
  std::function<void(const Value&)> read;
};

std::string did_you_mean(std::string_view typo, std::span<const Key> keys, bool as_table) {
  constexpr std::size_t kMaxDistance = 2;
  const Key* nearest = nullptr;
  std::size_t best = kMaxDistance + 1;
  for (const Key& key : keys) {
    if (typo.size() > key.name.size() + kMaxDistance) continue;  // too far; skips the quadratic work
    const std::size_t distance = edit_distance(typo, key.name);
    if (distance < best) {
      best = distance;
      nearest = &key;
    }
  }
  if (nearest == nullptr) return "";
  const std::string name(nearest->name);
  return as_table ? " (did you mean [" + name + "]?)" : " (did you mean '" + name + "'?)";
}

// Reads each key of `table` with its Key; any other key is an error. An
// empty section is the top level, whose keys are the tables.
void read_keys(const Locator& at, const toml::table& table, std::string_view section,
               std::span<const Key> keys) {
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    const auto known = std::find_if(keys.begin(), keys.end(), [&](const Key& k) { return k.name == name; });
    if (known == keys.end()) {
      if (section.empty()) {
        const bool is_table = node.is_table();
        at.fail(key.source(), (is_table ? "unknown table [" + escape_for_terminal(name) + "]"
                                        : "unknown key " + quoted(name)) +
                                  did_you_mean(name, keys, /*as_table=*/true));
      }
      at.fail(key.source(), "unknown key " + quoted(name) + " in [" + std::string(section) + "]" +
                                did_you_mean(name, keys, /*as_table=*/false));
    }
    const std::string label = section.empty() ? "[" + std::string(name) + "]"
                                              : "[" + std::string(section) + "] " + std::string(name);
    known->read(Value(at, label, node));
  }
}

class ConfigReader {
 public:
  ConfigReader(const Locator& at, AgentConfig& config) : at_(at), config_(config) {}

  void read(const toml::table& root) {
    const Key sections[] = {
        {"filter", [this](const Value& v) { filter(v.table()); }},
        {"owner", [this](const Value& v) { owner(v.table()); }},
        {"capture", [this](const Value& v) { capture(v.table()); }},
        {"log", [this](const Value& v) { log(v.table()); }},
        {"metrics", [this](const Value& v) { metrics(v.table()); }},
        {"journald", [this](const Value& v) { journald(v.table()); }},
        {"recorder", [this](const Value& v) { recorder(v.table()); }},
        {"actions", [this](const Value& v) { actions(v.table()); }},
    };
    read_keys(at_, root, "", sections);
  }

 private:
  void filter(const toml::table& table) {
    FilterSpec& f = config_.filter;
    const Key keys[] = {
        {"ports",
         [&f](const Value& v) {
           for (const Value& e : v.elements()) e.check([&] { add_port_spec(f, e.text()); });
         }},
        {"errno",
         [&f](const Value& v) {
           for (const Value& e : v.elements()) e.check([&] { add_errno_spec(f, e.text()); });
         }},
        // "" and 0 mean "any", so the example file can name every key.
        {"comm",
         [&f](const Value& v) {
           if (const std::string comm = v.string(); !comm.empty()) v.check([&] { set_comm_spec(f, comm); });
         }},
        {"pid",
         [&f](const Value& v) {
           if (const std::string pid = v.text(); !pid.empty() && pid != "0")
             v.check([&] { set_pid_spec(f, pid); });
         }},
        {"cgroup",
         [&f](const Value& v) {
           const std::string cgroup = v.string();
           if (cgroup.empty()) return;
           const std::string root = find_cgroup2_mount();
           if (root.empty()) v.fail("no cgroup2 file system is mounted");
           v.check([&] { set_cgroup_spec(f, cgroup, root); });
         }},
        {"netns",
         [&f](const Value& v) {
           if (const std::string ns = v.text(); !ns.empty() && ns != "0")
             v.check([&] { set_netns_spec(f, ns); });
         }},
        {"all", [&f](const Value& v) { f.all_binds = v.boolean(); }},
    };
    read_keys(at_, table, "filter", keys);
  }

  void owner(const toml::table& table) {
    const Key keys[] = {
        {"resolve", [this](const Value& v) { config_.resolve_owner = v.boolean(); }},
        {"path",
         [this](const Value& v) {
           config_.owner_path = v.choice<std::optional<OwnerSource>>({{"auto", std::nullopt},
                                                                      {"index", OwnerSource::index},
                                                                      {"iterators", OwnerSource::iterators},
                                                                      {"sock_diag", OwnerSource::sock_diag}});
         }},
    };
    read_keys(at_, table, "owner", keys);
  }

  void capture(const toml::table& table) {
    const Key keys[] = {
        {"ringbuf_size",
         [this](const Value& v) {
           config_.ringbuf_bytes =
               static_cast<std::uint32_t>(v.size(4096, 1ull << 30, /*power_of_two=*/true));
         }},
        {"batch", [this](const Value& v) { config_.batched = v.boolean(); }},
        {"key_budget",
         [this](const Value& v) { config_.key_budget = static_cast<std::uint32_t>(v.integer(0, 10'000'000)); }},
        {"attach",
         [this](const Value& v) {
           const std::string name = v.string();
           if (name == "auto") {
             config_.attach.reset();
             return;
           }
           config_.attach = parse_tier(name);
           if (!config_.attach) v.fail(quoted(name) + " is not one of auto, fentry, kprobe, tracepoint, raw");
         }},
    };
    read_keys(at_, table, "capture", keys);
  }

  void log(const toml::table& table) {
    AgentConfig::Log& l = config_.log;
    const Key keys[] = {
        {"path", [&l](const Value& v) { l.path = v.absolute_path(); }},
        {"max_size",
         [&l](const Value& v) { l.max_bytes = v.size(4096, 1ull << 40, /*power_of_two=*/false); }},
        {"keep", [&l](const Value& v) { l.keep = static_cast<unsigned>(v.integer(0, 1000)); }},
        {"fsync", [&l](const Value& v) { l.fsync = v.boolean(); }},
        {"enabled", [&l](const Value& v) { l.enabled = v.boolean(); }},
    };
    read_keys(at_, table, "log", keys);
  }

  void metrics(const toml::table& table) {
    AgentConfig::Metrics& m = config_.metrics;
    bool address_off = false;
    const Key keys[] = {
        {"enabled", [&m](const Value& v) { m.enabled = v.boolean(); }},
        {"address",
         [&](const Value& v) {
           std::string address = v.string();
           address_off = address == "off";
           if (address_off) return;
           if (v.check([&] { return parse_listen_address(address); }).port == 0) {
             v.fail(quoted(address) + " needs a port from 1 to 65535");
           }
           m.address = std::move(address);
         }},
        {"max_series",
         [&m](const Value& v) { m.max_series = static_cast<unsigned>(v.integer(1, 1'000'000)); }},
    };
    read_keys(at_, table, "metrics", keys);
    if (address_off) m.enabled = false;  // whatever `enabled` says: keys arrive in name order
  }

  void journald(const toml::table& table) {
    const Key keys[] = {{"enabled", [this](const Value& v) { config_.journald.enabled = v.boolean(); }}};
    read_keys(at_, table, "journald", keys);
  }

  void recorder(const toml::table& table) {
    AgentConfig::Recorder& r = config_.recorder;
    const Key keys[] = {
        {"enabled", [&r](const Value& v) { r.enabled = v.boolean(); }},
        {"slots",
         [&r](const Value& v) {
           const auto slots = v.integer(64, 65536);
           if (!is_power_of_two(static_cast<std::uint64_t>(slots)))
             v.fail(std::to_string(slots) + " is not a power of two");
           r.slots = static_cast<std::uint32_t>(slots);
         }},
        {"pin_dir",
         [&r](const Value& v) {
           r.pin_dir = v.absolute_path();
           v.check([&] { check_pin_dir(v.label(), r.pin_dir); });  // the agent may clear it: bpffs only
         }},
    };
    read_keys(at_, table, "recorder", keys);
  }

  void actions(const toml::table& table) {
    ActionOptions& a = config_.actions;
    std::optional<Value> act;  // where `act` is, for the allow-list check
    const Key keys[] = {
        {"exec",
         [&a](const Value& v) {
           std::string command = v.string();
           if (!command.empty() && command.find_first_not_of(" \t") == std::string::npos) {
             v.fail("the command is empty (use \"\" for no hook)");
           }
           a.exec = std::move(command);
         }},
        {"exec_timeout", [&a](const Value& v) { a.hook_timeout = v.duration(); }},
        {"hook_concurrency",
         [&a](const Value& v) { a.hook_concurrency = static_cast<unsigned>(v.integer(1, 256)); }},
        {"act",
         [&](const Value& v) {
           a.act = v.choice<ActKind>({{"none", ActKind::none},
                                      {"stop-owner", ActKind::stop_owner},
                                      {"stop-unit", ActKind::stop_unit}});
           act = v;
         }},
        {"grace", [&a](const Value& v) { a.grace = v.duration(); }},
        {"allow_comm",
         [&a](const Value& v) {
           for (const Value& e : v.elements()) {
             std::string comm = e.string();
             if (comm.empty() || comm.size() > kCommMax) e.fail(quoted(comm) + " must be 1 to 15 bytes");
             a.allow_comm.push_back(std::move(comm));
           }
         }},
        {"allow_unit",
         [&a](const Value& v) {
           for (const Value& e : v.elements()) {
             std::string unit = e.string();
             if (unit.empty()) e.fail("the name is empty");
             a.allow_unit.push_back(std::move(unit));
           }
         }},
        {"allow_uid",
         [&a](const Value& v) {
           for (const Value& e : v.elements())
             a.allow_uid.push_back(static_cast<std::uint32_t>(e.integer(0, 0xfffffffe)));
         }},
        {"allow_port",
         [&a](const Value& v) {
           for (const Value& e : v.elements())
             a.allow_port.push_back(static_cast<std::uint16_t>(e.integer(1, 65535)));
         }},
        {"rate_limit", [&a](const Value& v) { a.rate_limit = v.duration(); }},
        {"dry_run", [&a](const Value& v) { a.dry_run = v.boolean(); }},
    };
    read_keys(at_, table, "actions", keys);
    const bool allowed_any =
        !a.allow_comm.empty() || !a.allow_unit.empty() || !a.allow_uid.empty() || !a.allow_port.empty();
    if (act && a.act != ActKind::none && !allowed_any) {
      at_.fail(act->where(), "[actions] act = '" + act->string() + "' needs at least one allow_* entry");
    }
  }

  const Locator& at_;
  AgentConfig& config_;
};

std::string describe_errno(int err) {
  const std::string_view description = errno_description(err);
  return description.empty() ? "error " + std::to_string(err) : std::string(description);
}

}  // namespace

AgentConfig parse_agent_config(std::string_view text, std::string_view source_name) {
  const Locator at(source_name);
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& error) {
    at.fail(error.source(), escape_for_terminal(error.description()));
  }
  AgentConfig config;
  config.source = source_name;
  ConfigReader(at, config).read(root);
  return config;
}

AgentConfig load_agent_config(const std::string& path) {
  const auto cannot_read = [&](const std::string& why) {
    return ConfigError(escape_for_terminal(path) + ": cannot read: " + why);
  };
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw cannot_read(describe_errno(errno));
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw cannot_read(describe_errno(errno));
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > kConfigFileMax) throw cannot_read("larger than 1 MiB");
  }
  return parse_agent_config(text, path);
}

}  // namespace bindtrace
