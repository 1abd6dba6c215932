// The cheap fentry probe must give the same answer as a full load of the
// real capture object's fexit program: it may only save time, never change
// the tier chosen.
#include <gtest/gtest.h>

#include <bpf/libbpf.h>

#include <filesystem>

#include "bindtrace/capture/tier_probe.hpp"
#include "trace_harness.hpp"

namespace bindtrace {
namespace {

TEST(TierProbe, AgreesWithAFullLoadOfTheRealFexitProgram) {
  BINDTRACE_REQUIRE_BPF();
  const auto object = std::filesystem::path(BINDTRACE_BINARY).parent_path().parent_path() / "bpf" / "capture.bpf.o";
  ASSERT_TRUE(std::filesystem::exists(object)) << object;
  bpf_object* obj = bpf_object__open_file(object.c_str(), nullptr);
  ASSERT_NE(obj, nullptr);
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    bpf_program__set_autoload(prog, std::string_view(bpf_program__name(prog)) == "fexit_inet_bind");
  }
  const bool full_load_ok = bpf_object__load(obj) == 0;
  bpf_object__close(obj);

  const auto refused = fentry_refused("");
  EXPECT_EQ(!refused.has_value(), full_load_ok) << (refused ? *refused : std::string("probe loaded"));
  if (refused) EXPECT_FALSE(refused->empty());
}

TEST(TierProbe, TheBtfFreeStageAgreesWithAFullLoad) {
  BINDTRACE_REQUIRE_BPF();
  // A kernel that refuses a target-less fexit program with EPERM must also
  // refuse the real one; the stage may only save the BTF parse.
  if (!tracing_programs_refused()) GTEST_SKIP() << "this kernel takes tracing programs: the BTF-free stage says nothing";
  const auto refused = fentry_refused("");
  ASSERT_TRUE(refused);
  EXPECT_NE(refused->find("refused"), std::string::npos) << *refused;
}

TEST(TierProbe, AnUnreadableExternalBtfIsAReasonNotACrash) {
  const auto refused = fentry_refused("/nonexistent/vmlinux.btf");
  ASSERT_TRUE(refused);
  // Either the kernel refuses tracing programs outright, or the BTF is the reason.
  if (!tracing_programs_refused()) EXPECT_NE(refused->find("BTF"), std::string::npos) << *refused;
  EXPECT_FALSE(refused->empty());
}

}  // namespace
}  // namespace bindtrace
