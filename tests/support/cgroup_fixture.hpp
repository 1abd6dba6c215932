// A test that places real processes in real cgroup v2 directories it creates
// (attribution, diagnosis, managers on both sides): needs BPF and a cgroup2
// mount, removes its directories when it ends.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "bindtrace/capture/kernel_env.hpp"
#include "real_parts.hpp"
#include "trace_harness.hpp"

namespace bindtrace::testing {

class CgroupFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    BINDTRACE_REQUIRE_BPF();
    root_ = find_cgroup2_mount();
    ASSERT_FALSE(root_.empty()) << "no cgroup2 mount";
    cgroups_ = std::make_unique<CgroupDirs>(root_);
    tag_ = std::to_string(::getpid());
  }
  void TearDown() override { cgroups_.reset(); }

  // bt_hold (or a renamed copy: `program`) on 0.0.0.0:port, placed in cgroup
  // `rel` ("" = where the test runs), holding until its stdin closes.
  std::unique_ptr<Child> hold(std::uint16_t port, const std::string& rel = "",
                              const std::string& program = testprog("bt_hold"),
                              const std::vector<std::string>& args = {}) {
    return hold_with_bt_hold(*cgroups_, port, rel, program, args);
  }

  std::string root_;  // the cgroup2 mount
  std::string tag_;   // makes this run's unit and cgroup names unique
  std::unique_ptr<CgroupDirs> cgroups_;
};

}  // namespace bindtrace::testing
