// attribute() and cgroup_path_of over a ProcessSnapshot whose fields come from
// the input. Layout: a few fixed-width numbers and flags, then sections
// separated by 0x1e: comm, argv (NUL-separated), cgroup lines ('\n'),
// environ (KEY=VALUE, NUL-separated), ancestors ('\n' separated "comm\tcmdline"),
// stdout target.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>

#include "bindtrace/attribute.hpp"
#include "common.hpp"

using bindtrace::fuzz::split;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider fdp(data, size);
  bindtrace::ProcessSnapshot s;
  s.pid = fdp.ConsumeIntegral<std::uint32_t>();
  s.ppid = fdp.ConsumeIntegral<std::uint32_t>();
  s.uid = fdp.ConsumeIntegral<std::uint32_t>();
  s.start_time = fdp.ConsumeIntegral<std::uint64_t>();
  s.sig_ign = fdp.ConsumeIntegral<std::uint64_t>();
  s.environ_readable = fdp.ConsumeBool();
  s.parent_is_subreaper = fdp.ConsumeBool();
  const std::uint8_t nspid_count = fdp.ConsumeIntegralInRange<std::uint8_t>(0, 4);
  for (std::uint8_t i = 0; i < nspid_count; ++i) s.nspid.push_back(fdp.ConsumeIntegral<std::uint32_t>());

  const std::string rest = fdp.ConsumeRemainingBytesAsString();
  const auto sections = split(rest, '\x1e');
  auto section = [&](std::size_t i) -> std::string_view {
    return i < sections.size() ? std::string_view(sections[i]) : std::string_view();
  };
  s.comm = std::string(section(0));
  if (!section(1).empty()) s.argv = split(section(1), '\0');
  if (!section(2).empty()) s.cgroup_lines = split(section(2), '\n');
  if (!section(3).empty()) {
    for (const auto& kv : split(section(3), '\0')) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos) continue;
      s.environ[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  if (!section(4).empty()) {
    std::uint32_t pid = s.ppid;
    for (const auto& line : split(section(4), '\n')) {
      bindtrace::Ancestor a;
      a.pid = pid;
      pid = pid > 1 ? pid / 2 : 1;
      const auto tab = line.find('\t');
      a.comm = line.substr(0, tab);
      if (tab != std::string::npos) a.cmdline = line.substr(tab + 1);
      s.ancestors.push_back(std::move(a));
    }
  }
  s.stdout_target = std::string(section(5));

  (void)bindtrace::cgroup_path_of(s.cgroup_lines);
  const bindtrace::Service service = bindtrace::attribute(s);
  (void)bindtrace::describe_service(service);
  return 0;
}
