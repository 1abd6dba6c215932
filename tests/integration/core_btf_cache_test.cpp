// The cached minimal CO-RE BTF, on this kernel: the first start relocates
// against the kernel's BTF and cuts the cache after `attached`; the next start
// relocates against the cache and still reads the kernel's structures right;
// a damaged cache is refused, replaced, and the start still succeeds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "process.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

namespace fs = std::filesystem;
using namespace testing;

std::vector<fs::path> cached_files(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) out.push_back(entry.path());
  return out;
}

class CoreBtfCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    if (::access("/usr/sbin/bpftool", X_OK) != 0 && ::access("/usr/bin/bpftool", X_OK) != 0) {
      if (under_ci()) FAIL() << "CI is set, but bpftool is not installed (scripts/setup.sh installs it)";
      GTEST_SKIP() << "bpftool is not installed";
    }
  }

  TraceOptions options(std::uint16_t port) const {
    TraceOptions o = options_for(Tier::tracepoint, {port});
    o.capture.core_btf_dir = dir_.path() + "/btf";
    return o;
  }

  // One start: attach, then the failure of a bind to a held port traced with
  // the endpoint and caller read through CO-RE. Returns what CO-RE used.
  std::string start_and_trace_a_conflict() {
    const auto port = free_port();
    std::string used;
    {
      TraceHarness trace(options(port));
      used = trace.tracer().session()->core_btf_used();
      Child holder({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "--stdin-hold", "listen"},
                   {.pipe_stdin = true});
      EXPECT_TRUE(holder.expect_line("ready"));
      Child failing({testprog("bt_sock"), "-a", "127.0.0.1", "-P", std::to_string(port), "bind"});
      EXPECT_EQ(failing.wait(), 1);
      const auto e = trace.wait_for([&](const Event& e) { return e.process.pid == std::uint32_t(failing.pid()); });
      EXPECT_TRUE(e) << "no event with " << used;
      if (e) {
        EXPECT_EQ(e->err, EADDRINUSE);
        EXPECT_EQ(e->endpoint.port, port);
        EXPECT_EQ(e->endpoint.address, "127.0.0.1");
        EXPECT_EQ(e->process.comm, "bt_sock");
      }
    }  // the tracer's end waits for its background start (the walk, the cache)
    return used;
  }

  TempDir dir_{"core-btf"};
};

TEST_F(CoreBtfCacheTest, FirstStartCutsTheCacheTheNextUsesIt) {
  EXPECT_EQ(start_and_trace_a_conflict(), "the kernel's BTF");
  const std::vector<fs::path> files = cached_files(dir_.path() + "/btf");
  ASSERT_EQ(files.size(), 1u) << "no cache cut after the first start";
  EXPECT_EQ(files[0].extension(), ".btf");
  // A minimal BTF: kilobytes, not the kernel's megabytes.
  EXPECT_GT(fs::file_size(files[0]), 100u);
  EXPECT_LT(fs::file_size(files[0]), fs::file_size("/sys/kernel/btf/vmlinux") / 20);

  EXPECT_EQ(start_and_trace_a_conflict(), "cached minimal BTF " + files[0].string());
  EXPECT_EQ(cached_files(dir_.path() + "/btf"), files);  // used, not cut again
}

TEST_F(CoreBtfCacheTest, ADamagedCacheIsRefusedAndCutAgain) {
  (void)start_and_trace_a_conflict();
  const std::vector<fs::path> files = cached_files(dir_.path() + "/btf");
  ASSERT_EQ(files.size(), 1u);
  const auto good_size = fs::file_size(files[0]);
  std::ofstream(files[0], std::ios::trunc) << "not BTF at all";

  EXPECT_EQ(start_and_trace_a_conflict(), "the kernel's BTF");
  ASSERT_TRUE(fs::exists(files[0])) << "the damaged cache was not cut again";
  EXPECT_EQ(fs::file_size(files[0]), good_size);
  EXPECT_EQ(start_and_trace_a_conflict(), "cached minimal BTF " + files[0].string());
}

}  // namespace
}  // namespace bindtrace
