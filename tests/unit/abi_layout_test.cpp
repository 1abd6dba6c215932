// The record layout must be identical on both sides of the ring buffer; the
// BPF side has the same _Static_asserts.
#include <gtest/gtest.h>

#include <cstddef>

#include "bindtrace/abi.h"

TEST(AbiLayout, EventHasTheAgreedSizeAndOffsets) {
  static_assert(sizeof(bt_event) == BT_EVENT_SIZE);
  EXPECT_EQ(sizeof(bt_event), 480u);
  EXPECT_EQ(offsetof(bt_event, seq), 472u);
  EXPECT_EQ(sizeof(bt_recorder_meta), 16u);
  EXPECT_EQ(offsetof(bt_event, ts_ns), 0u);
  EXPECT_EQ(offsetof(bt_event, cgroup_id), 8u);
  EXPECT_EQ(offsetof(bt_event, sock_cookie), 16u);
  EXPECT_EQ(offsetof(bt_event, pid), 24u);
  EXPECT_EQ(offsetof(bt_event, netns), 40u);
  EXPECT_EQ(offsetof(bt_event, err), 44u);
  EXPECT_EQ(offsetof(bt_event, op), 48u);
  EXPECT_EQ(offsetof(bt_event, sock_flags), 58u);
  EXPECT_EQ(offsetof(bt_event, addr_len), 60u);
  EXPECT_EQ(offsetof(bt_event, comm), 64u);
  EXPECT_EQ(offsetof(bt_event, addr), 80u);
  EXPECT_EQ(offsetof(bt_event, args_len), 208u);
  EXPECT_EQ(offsetof(bt_event, args), 216u);
}

TEST(AbiLayout, EventIsEightByteAlignedForTheRingBuffer) { EXPECT_EQ(sizeof(bt_event) % 8, 0u); }

TEST(AbiLayout, CountersAreFiveU64) { EXPECT_EQ(sizeof(bt_counters), 5 * sizeof(__u64)); }

TEST(AbiLayout, AggregateRecordsHaveNoHoles) {
  EXPECT_EQ(sizeof(bt_aggregate_key), 16u);
  EXPECT_EQ(sizeof(bt_aggregate), 24u + BT_COMM_LEN);
}

TEST(AbiLayout, AddressBufferHoldsAFullSockaddrUn) { EXPECT_GE(BT_ADDR_MAX, 110); }
