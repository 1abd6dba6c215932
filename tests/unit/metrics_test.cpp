// The Prometheus exposition of `bindtrace agent`, read back line by line:
// every family declared, counts right, hostile label values escaped, the
// series cap holding. Also the --metrics HOST:PORT parser.
#include "bindtrace/sinks/metrics.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bindtrace/errors.hpp"
#include "bindtrace/events/escape.hpp"
#include "bindtrace/sinks/metrics_server.hpp"

namespace bindtrace {
namespace {

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped
  std::string value;
};

struct MetricFamily {
  std::string help;
  std::string type;
  int help_lines = 0;
  int type_lines = 0;
};

// A strict reader of the text format 0.0.4: fails the test on any line it
// cannot read, so a broken escape shows up as a parse failure.
struct Exposition {
  std::map<std::string, MetricFamily> families;
  std::vector<Sample> samples;

  explicit Exposition(const std::string& text) {
    EXPECT_TRUE(text.empty() || text.back() == '\n') << "the exposition ends in a newline";
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("# HELP ", 0) == 0) {
        const std::string rest = line.substr(7);
        const auto space = rest.find(' ');
        MetricFamily& f = families[rest.substr(0, space)];
        f.help = space == std::string::npos ? "" : rest.substr(space + 1);
        ++f.help_lines;
      } else if (line.rfind("# TYPE ", 0) == 0) {
        const std::string rest = line.substr(7);
        const auto space = rest.find(' ');
        MetricFamily& f = families[rest.substr(0, space)];
        f.type = rest.substr(space + 1);
        ++f.type_lines;
      } else {
        samples.push_back(parse_sample(line));
        const auto& name = samples.back().name;
        EXPECT_TRUE(families.contains(name) && !families[name].help.empty() && !families[name].type.empty())
            << "sample before its HELP/TYPE: " << line;
      }
    }
  }

  static Sample parse_sample(const std::string& line) {
    Sample s;
    std::size_t i = 0;
    while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
    s.name = line.substr(0, i);
    EXPECT_FALSE(s.name.empty()) << "no metric name: " << line;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        const auto eq = line.find("=\"", i);
        if (eq == std::string::npos) {
          ADD_FAILURE() << "bad label in: " << line;
          return s;
        }
        const std::string key = line.substr(i, eq - i);
        std::string value;
        i = eq + 2;
        for (; i < line.size() && line[i] != '"'; ++i) {
          if (line[i] != '\\') {
            value += line[i];
            continue;
          }
          ++i;
          if (i >= line.size()) break;
          if (line[i] == 'n')
            value += '\n';
          else if (line[i] == '\\' || line[i] == '"')
            value += line[i];
          else
            ADD_FAILURE() << "invalid escape \\" << line[i] << " in: " << line;
        }
        EXPECT_LT(i, line.size()) << "unterminated label value: " << line;
        ++i;  // closing quote
        EXPECT_TRUE(s.labels.emplace(key, value).second) << "label twice: " << line;
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    EXPECT_TRUE(i < line.size() && line[i] == ' ') << "no value: " << line;
    s.value = i < line.size() ? line.substr(i + 1) : "";
    EXPECT_FALSE(s.value.empty() || s.value.find(' ') != std::string::npos) << "bad value: " << line;
    return s;
  }

  std::vector<Sample> named(const std::string& name) const {
    std::vector<Sample> out;
    for (const Sample& s : samples)
      if (s.name == name) out.push_back(s);
    return out;
  }

  // The value of the one sample of `name` whose labels include `labels`.
  std::string value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    std::string found;
    int matches = 0;
    for (const Sample& s : named(name)) {
      bool all = true;
      for (const auto& [k, v] : labels) all = all && s.labels.contains(k) && s.labels.at(k) == v;
      if (all) {
        found = s.value;
        ++matches;
      }
    }
    EXPECT_EQ(matches, 1) << name;
    return found;
  }
};

Event failure(std::uint16_t port, const std::string& service = "nginx.service", int err = 98) {
  Event e;
  e.op = Op::bind;
  e.err = err;
  e.proto = Proto::tcp;
  e.endpoint.family = Family::ipv4;
  e.endpoint.address = "0.0.0.0";
  e.endpoint.port = port;
  e.process.pid = 991;
  e.process.comm = "python3";
  if (!service.empty()) {
    Service s;
    s.manager = ManagerKind::systemd;
    s.name = service;
    e.process.service = s;
  }
  return e;
}

TEST(MetricsExposition, EveryFamilyHasOneHelpAndOneTypeBeforeItsSamples) {
  Metrics metrics;
  metrics.count_event(failure(8001));
  metrics.count_action("stop-owner", "stopped");
  const Exposition x(metrics.render());
  ASSERT_FALSE(x.samples.empty());
  for (const auto& [name, family] : x.families) {
    EXPECT_EQ(family.help_lines, 1) << name;
    EXPECT_EQ(family.type_lines, 1) << name;
    EXPECT_TRUE(family.type == "counter" || family.type == "gauge") << name << ": " << family.type;
    if (family.type == "counter") EXPECT_TRUE(name.ends_with("_total")) << name;
  }
}

TEST(MetricsExposition, DeclaresEveryFamilyOfTheContract) {
  const Exposition x(Metrics().render());
  for (const char* name :
       {"bindtrace_failures_total", "bindtrace_metrics_series_dropped_total",
        "bindtrace_kernel_events_seen_total", "bindtrace_kernel_events_filtered_total",
        "bindtrace_kernel_events_emitted_total", "bindtrace_drops_total",
        "bindtrace_owner_lookup_failures_total", "bindtrace_owner_lookups_skipped_total",
        "bindtrace_decode_errors_total", "bindtrace_log_records_total", "bindtrace_log_write_errors_total",
        "bindtrace_log_rotations_total", "bindtrace_journald_write_errors_total",
        "bindtrace_recorder_drained_total", "bindtrace_recorder_overwritten_total", "bindtrace_hooks_total",
        "bindtrace_actions_total", "bindtrace_build_info", "bindtrace_up"})
    EXPECT_TRUE(x.families.contains(name)) << name;
  EXPECT_EQ(x.value("bindtrace_up"), "1");
}

TEST(MetricsExposition, CountsFailuresPerLabelSet) {
  Metrics metrics;
  for (int i = 0; i < 5; ++i) metrics.count_event(failure(8001));
  for (int i = 0; i < 2; ++i) metrics.count_event(failure(8002));
  metrics.count_event(failure(8001, "nginx.service", 13));
  const Exposition x(metrics.render());
  EXPECT_EQ(x.named("bindtrace_failures_total").size(), 3u);
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"event", "bind_failed"},
                                                 {"error", "EADDRINUSE"},
                                                 {"port", "8001"},
                                                 {"service", "nginx.service"}}),
            "5");
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"port", "8002"}}), "2");
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"error", "EACCES"}}), "1");
}

TEST(MetricsExposition, UnixEndpointAndUnattributedProcessGetEmptyLabels) {
  Metrics metrics;
  Event e = failure(0, "");
  e.endpoint.family = Family::unix_;
  e.endpoint.address = "/run/app.sock";
  e.proto = Proto::other;
  metrics.count_event(e);
  const Exposition x(metrics.render());
  const auto samples = x.named("bindtrace_failures_total");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].labels.at("port"), "");
  EXPECT_EQ(samples[0].labels.at("service"), "");
}

TEST(MetricsExposition, SuccessfulBindHasErrorNone) {
  Metrics metrics;
  metrics.count_event(failure(8001, "", 0));
  const Exposition x(metrics.render());
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"event", "bind"}, {"error", "none"}}), "1");
}

TEST(MetricsExposition, HostileServiceNamesAreEscapedAndValidUtf8) {
  const std::string hostile = std::string("a\"b\\c\nbindtrace_up{x=\"} 0\n\xff\xfe end");
  Metrics metrics;
  metrics.count_event(failure(8001, hostile));
  const std::string text = metrics.render();
  EXPECT_EQ(text.find('\xff'), std::string::npos) << "invalid UTF-8 reached the exposition";
  EXPECT_EQ(text.find('\xfe'), std::string::npos) << "invalid UTF-8 reached the exposition";
  const Exposition x(text);
  const auto samples = x.named("bindtrace_failures_total");
  ASSERT_EQ(samples.size(), 1u);
  // Each invalid byte is one U+FFFD; quotes, backslashes and newlines come back unescaped.
  EXPECT_EQ(samples[0].labels.at("service"), "a\"b\\c\nbindtrace_up{x=\"} 0\n\xef\xbf\xbd\xef\xbf\xbd end");
  EXPECT_EQ(x.named("bindtrace_up").size(), 1u) << "the name injected no sample";
}

TEST(MetricsExposition, NamesThatDifferOnlyInInvalidBytesShareOneSeries) {
  Metrics metrics;
  metrics.count_event(failure(8001, "svc\xff"));
  metrics.count_event(failure(8001, "svc\xfe"));
  const Exposition x(metrics.render());
  const auto samples = x.named("bindtrace_failures_total");
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].value, "2");
}

TEST(MetricsExposition, SeriesBeyondTheCapAreCountedUnderOther) {
  Metrics metrics(3);
  for (std::uint16_t port = 9001; port <= 9005; ++port) metrics.count_event(failure(port));
  metrics.count_event(failure(9006, "other.service", 13));
  metrics.count_event(failure(9001));  // an existing series keeps counting
  const Exposition x(metrics.render());
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"port", "9001"}}), "2");
  EXPECT_EQ(x.value("bindtrace_failures_total", {{"port", "9003"}}), "1");
  EXPECT_EQ(
      x.value("bindtrace_failures_total", {{"port", "other"}, {"service", "other"}, {"error", "EADDRINUSE"}}),
      "2");
  EXPECT_EQ(
      x.value("bindtrace_failures_total", {{"port", "other"}, {"service", "other"}, {"error", "EACCES"}}),
      "1");
  EXPECT_EQ(x.named("bindtrace_failures_total").size(), 5u);
  EXPECT_EQ(x.value("bindtrace_metrics_series_dropped_total"), "3");
}

TEST(MetricsExposition, ActionsAreLabelledByTheFirstWordOfTheResult) {
  Metrics metrics;
  metrics.count_action("stop-owner", "refused: not in the allow-list");
  metrics.count_action("stop-owner", "refused: pid 1");
  metrics.count_action("stop-unit", "dry-run: systemctl stop nginx.service");
  metrics.count_action("stop-owner", "stopped");
  const Exposition x(metrics.render());
  EXPECT_EQ(x.value("bindtrace_actions_total", {{"kind", "stop-owner"}, {"result", "refused"}}), "2");
  EXPECT_EQ(x.value("bindtrace_actions_total", {{"kind", "stop-unit"}, {"result", "dry-run"}}), "1");
  EXPECT_EQ(x.value("bindtrace_actions_total", {{"kind", "stop-owner"}, {"result", "stopped"}}), "1");
}

TEST(MetricsExposition, GaugesFromTheAgentAreRendered) {
  const MetricsGauges g{.kernel = {.seen = 100, .filtered = 40, .emitted = 59, .dropped = 1},
                        .owner_lookup_failures = 2,
                        .owner_skipped = 3,
                        .decode_errors = 4,
                        .log_records = 5,
                        .log_write_errors = 6,
                        .log_rotations = 7,
                        .recorder_drained = 8,
                        .recorder_overwritten = 9,
                        .hooks_run = 10,
                        .hooks_skipped = 11,
                        .hooks_failed = 12,
                        .journald_errors = 13,
                        .tier = "fentry"};
  Metrics metrics;
  metrics.set_gauges(g);
  const Exposition x(metrics.render());
  const std::pair<const char*, const char*> expected[] = {
      {"bindtrace_kernel_events_seen_total", "100"},   {"bindtrace_kernel_events_filtered_total", "40"},
      {"bindtrace_kernel_events_emitted_total", "59"}, {"bindtrace_drops_total", "1"},
      {"bindtrace_owner_lookup_failures_total", "2"},  {"bindtrace_owner_lookups_skipped_total", "3"},
      {"bindtrace_decode_errors_total", "4"},          {"bindtrace_log_records_total", "5"},
      {"bindtrace_log_write_errors_total", "6"},       {"bindtrace_log_rotations_total", "7"},
      {"bindtrace_recorder_drained_total", "8"},       {"bindtrace_recorder_overwritten_total", "9"},
      {"bindtrace_journald_write_errors_total", "13"},
  };
  for (const auto& [name, value] : expected) EXPECT_EQ(x.value(name), value) << name;
  for (const auto& [result, value] : {std::pair{"run", "10"}, {"skipped", "11"}, {"failed", "12"}})
    EXPECT_EQ(x.value("bindtrace_hooks_total", {{"result", result}}), value) << result;
  const auto info = x.named("bindtrace_build_info");
  ASSERT_EQ(info.size(), 1u);
  EXPECT_EQ(info[0].labels.at("tier"), "fentry");
  EXPECT_FALSE(info[0].labels.at("version").empty());
  EXPECT_EQ(info[0].value, "1");
}

TEST(MetricsExposition, ConcurrentCountsAreNotLost) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) {
        metrics.count_event(failure(8001));
        if (i % 100 == 0) (void)metrics.render();
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(Exposition(metrics.render()).value("bindtrace_failures_total"), "4000");
}

TEST(ListenAddress, AcceptsHostPortForms) {
  const ListenAddress v4 = parse_listen_address("127.0.0.1:9464");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 9464);
  const ListenAddress v6 = parse_listen_address("[::1]:9464");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 9464);
  EXPECT_EQ(parse_listen_address("localhost:9464").host, "localhost");
  EXPECT_EQ(parse_listen_address("[fe80::1%eth0]:80").host, "fe80::1%eth0");
  EXPECT_EQ(parse_listen_address("127.0.0.1:0").port, 0);
  EXPECT_EQ(parse_listen_address("host:65535").port, 65535);
}

TEST(ListenAddress, EmptyHostMeansAllIpv4Interfaces) {
  const ListenAddress any = parse_listen_address(":9464");
  EXPECT_EQ(any.host, "0.0.0.0");
  EXPECT_EQ(any.port, 9464);
}

TEST(ListenAddress, RejectsWhatIsNotHostPort) {
  for (const char* bad : {"", "off", "9464", "localhost", "localhost:", "localhost:http", "localhost:65536",
                          "host:-1", "host:+80", "host:9464 ", "::1:9464", "[::1]", "[::1:9464", "[]:9464",
                          "[localhost]:80", "ho st:80", "a/b:80", ":"}) {
    EXPECT_THROW((void)parse_listen_address(bad), UsageError) << "'" << bad << "'";
  }
}

TEST(ListenAddress, ErrorNamesTheInputOnOneLine) {
  try {
    (void)parse_listen_address("bad\nvalue");
    FAIL() << "no exception";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "--metrics: 'bad\\nvalue' is not HOST:PORT");
  }
}

}  // namespace
}  // namespace bindtrace
