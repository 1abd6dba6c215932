// The tier <-> program-name table: what a trial loads, and how a pinned
// link's program name is read back as its tier when an agent adopts pins.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "bindtrace/capture/programs.hpp"

namespace bindtrace {
namespace {

TEST(CapturePrograms, APinnedProgramNameGivesItsTier) {
  EXPECT_EQ(tier_of_program("fexit_inet_bind"), Tier::fentry);
  EXPECT_EQ(tier_of_program("kretprobe_inet_listen"), Tier::kprobe);
  EXPECT_EQ(tier_of_program("kprobe_unix_bind"), Tier::kprobe);
  EXPECT_EQ(tier_of_program("tp_exit_connect"), Tier::tracepoint);
  EXPECT_EQ(tier_of_program("raw_btf_sys_exit"), Tier::raw);
  EXPECT_EQ(tier_of_program("raw_tp_sys_exit"), Tier::raw);
}

TEST(CapturePrograms, IndexProgramsAndUnknownNamesHaveNoTier) {
  for (const char* name : {"state_btf", "state_tp", "seed_listeners", "", "fexit_", "raw_", "tp_exit_bind2"})
    EXPECT_FALSE(tier_of_program(name).has_value()) << name;
  EXPECT_TRUE(is_index_program("state_btf"));
  EXPECT_TRUE(is_index_program("seed_listeners"));
  EXPECT_FALSE(is_index_program("tp_exit_bind"));
}

TEST(CapturePrograms, EveryTierProgramBelongsToExactlyOneTier) {
  std::set<std::string> seen;
  for (Tier tier : std::array{Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw}) {
    ASSERT_FALSE(tier_variants(tier).empty());
    for (const TierVariant& variant : tier_variants(tier)) {
      ASSERT_FALSE(variant.programs.empty()) << variant.name;
      for (const char* program : variant.programs) {
        EXPECT_TRUE(seen.insert(program).second) << program << " is in two variants";
        EXPECT_EQ(tier_of_program(program), tier) << program;
        EXPECT_FALSE(is_index_program(program)) << program;
      }
    }
  }
}

TEST(CapturePrograms, TheLastIndexVariantRunsWithoutTheIndex) {
  for (Tier tier : {Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw}) {
    const auto& variants = index_variants(tier);
    ASSERT_GE(variants.size(), 2u);
    EXPECT_STREQ(variants.back().name, "none");
    EXPECT_TRUE(variants.back().programs.empty());
    for (std::size_t i = 0; i + 1 < variants.size(); ++i)
      for (const char* program : variants[i].programs) {
        EXPECT_TRUE(is_index_program(program)) << program;
        // The iterator is loaded after `attached`, never in a trial.
        EXPECT_STRNE(program, "seed_listeners");
      }
  }
}

TEST(CapturePrograms, OnlyFentryTriesTheBtfIndexHookFirst) {
  // fentry parses the kernel's BTF to attach; every other tier can start on a
  // cached minimal BTF when its index hook is the tracepoint.
  EXPECT_STREQ(index_variants(Tier::fentry).front().name, "tp_btf/inet_sock_set_state");
  for (Tier tier : {Tier::kprobe, Tier::tracepoint, Tier::raw})
    EXPECT_STREQ(index_variants(tier).front().name, "tracepoint/sock/inet_sock_set_state");
}

}  // namespace
}  // namespace bindtrace
