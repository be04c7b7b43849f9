// SendBudget: what a node may send because the network asked (ping replies per prober key,
// unicast per destination); RecentNonces: which query nonces an answer may carry. Exactly, with
// an injected clock.
#include "protocol/recent_nonces.hpp"
#include "protocol/send_budget.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace std::chrono_literals;
using mcast::detail::SendBudget;
using mcast::detail::SendBudgetConfig;

namespace {

int allowed(SendBudget& b, const std::string& key, int tries, SendBudget::Time now) {
    int n = 0;
    for (int i = 0; i < tries; ++i)
        n += b.allow(key, now);
    return n;
}

TEST(SendBudget, OneKeyGetsItsBurstThenItsRate) {
    SendBudget b({.per_key_rate = 20, .per_key_burst = 40, .total_rate = 400, .total_burst = 400});
    SendBudget::Time t0{};
    EXPECT_EQ(allowed(b, "10.0.0.9", 1000, t0), 40);
    EXPECT_EQ(allowed(b, "10.0.0.9", 1000, t0 + 1s), 20);
    EXPECT_EQ(allowed(b, "10.0.0.8", 10, t0 + 1s), 10); // another key is not held back
    EXPECT_EQ(b.refused(), 1000u - 40 + 1000 - 20);
}

TEST(SendBudget, ManyKeysTogetherGetTheTotalOnly) {
    SendBudget b({.per_key_rate = 20, .per_key_burst = 40, .total_rate = 400, .total_burst = 400});
    SendBudget::Time t0{};
    int n = 0;
    for (int k = 0; k < 5000; ++k) // fresh keys, or spoofed addresses
        n += allowed(b, "key" + std::to_string(k), 2, t0);
    EXPECT_EQ(n, 400);
    n = 0;
    for (int k = 5000; k < 10000; ++k)
        n += allowed(b, "key" + std::to_string(k), 2, t0 + 1s);
    EXPECT_EQ(n, 400);
}

TEST(SendBudget, KeysSharingASlotShareItsTokens) {
    // One slot: every key collides. A newcomer must not get a full bucket by taking it over.
    SendBudget b({.per_key_rate = 1,
                  .per_key_burst = 5,
                  .total_rate = 1000,
                  .total_burst = 1000,
                  .slots = 1});
    SendBudget::Time t0{};
    EXPECT_EQ(allowed(b, "a", 10, t0), 5);
    EXPECT_EQ(allowed(b, "b", 10, t0), 0);
    EXPECT_EQ(allowed(b, "c", 10, t0 + 2s), 2);
}

TEST(RecentNonces, AnAnswerToAQueryOlderThanAFewSecondsIsNotTaken) {
    mcast::detail::RecentNonces<int> n(5s, 4);
    SendBudget::Time t0{};
    n.add(1, t0);
    EXPECT_TRUE(n.contains(1, t0 + 40ms));
    EXPECT_TRUE(n.contains(1, t0 + 5s));
    EXPECT_FALSE(n.contains(1, t0 + 5s + 1ns)); // a captured answer replayed later
    // A long run (discover --watch) keeps a bounded number however many queries it sent.
    for (int i = 0; i < 10000; ++i)
        n.add(i, t0 + std::chrono::milliseconds(i));
    EXPECT_EQ(n.size(), 4u);
    EXPECT_TRUE(n.contains(9999, t0 + 10s));
    EXPECT_FALSE(n.contains(9000, t0 + 10s));
}

} // namespace
