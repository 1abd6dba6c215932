// Tier choice by trial, driven by a fake prober: order, fallback, forcing.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "bindtrace/capture/loader.hpp"

namespace bindtrace {
namespace {

class FakeProber : public TierProber {
 public:
  std::map<Tier, bool> works;
  std::vector<Tier> tried;

  TierTrial try_tier(Tier tier) override {
    tried.push_back(tier);
    TierTrial t;
    t.tier = tier;
    t.ok = works[tier];
    if (!t.ok) {
      t.stage = "load";
      t.err = EPERM;
      t.message = "fake refusal";
    }
    return t;
  }
};

TEST(TierChoice, KernelFunctionTiersArePreferred) {
  EXPECT_EQ(tier_order(), (std::vector<Tier>{Tier::fentry, Tier::kprobe, Tier::tracepoint, Tier::raw}));
}

TEST(TierChoice, FirstTierThatAttachesWins) {
  FakeProber p;
  p.works = {{Tier::fentry, true}, {Tier::tracepoint, true}};
  TierChoice c = choose_tier(p, std::nullopt);
  ASSERT_TRUE(c.chosen);
  EXPECT_EQ(*c.chosen, Tier::fentry);
  EXPECT_EQ(p.tried, std::vector<Tier>{Tier::fentry});
}

TEST(TierChoice, FailedTiersFallThroughAndAreRecorded) {
  FakeProber p;  // as on a kernel without trampolines and kprobes
  p.works = {{Tier::tracepoint, true}, {Tier::raw, true}};
  TierChoice c = choose_tier(p, std::nullopt);
  ASSERT_TRUE(c.chosen);
  EXPECT_EQ(*c.chosen, Tier::tracepoint);
  ASSERT_EQ(c.trials.size(), 3u);
  EXPECT_FALSE(c.trials[0].ok);
  EXPECT_EQ(c.trials[0].tier, Tier::fentry);
  EXPECT_EQ(c.trials[1].tier, Tier::kprobe);
  EXPECT_TRUE(c.trials[2].ok);
}

TEST(TierChoice, RawIsTheLastResort) {
  FakeProber p;
  p.works = {{Tier::raw, true}};
  TierChoice c = choose_tier(p, std::nullopt);
  ASSERT_TRUE(c.chosen);
  EXPECT_EQ(*c.chosen, Tier::raw);
  EXPECT_EQ(c.trials.size(), 4u);
}

TEST(TierChoice, NothingAttachesGivesNoTierAndEveryReason) {
  FakeProber p;
  TierChoice c = choose_tier(p, std::nullopt);
  EXPECT_FALSE(c.chosen);
  EXPECT_EQ(c.trials.size(), 4u);
}

TEST(TierChoice, AForcedTierDisablesFallback) {
  FakeProber p;
  p.works = {{Tier::tracepoint, true}};
  TierChoice c = choose_tier(p, Tier::fentry);
  EXPECT_FALSE(c.chosen);
  EXPECT_EQ(p.tried, std::vector<Tier>{Tier::fentry});
}

TEST(TierChoice, AForcedTierThatWorksIsChosen) {
  FakeProber p;
  p.works = {{Tier::raw, true}, {Tier::tracepoint, true}};
  TierChoice c = choose_tier(p, Tier::raw);
  ASSERT_TRUE(c.chosen);
  EXPECT_EQ(*c.chosen, Tier::raw);
}

TEST(TierTrialText, NamesTierStageErrnoAndMessage) {
  TierTrial t;
  t.tier = Tier::fentry;
  t.stage = "load";
  t.err = EPERM;
  t.message = "libbpf: failed to load";
  const std::string text = describe_trial(t);
  EXPECT_NE(text.find("fentry"), std::string::npos);
  EXPECT_NE(text.find("load"), std::string::npos);
  EXPECT_NE(text.find("Operation not permitted"), std::string::npos);
  EXPECT_NE(text.find("libbpf: failed to load"), std::string::npos);
}

}  // namespace
}  // namespace bindtrace
