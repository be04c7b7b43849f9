// A fixed identity for sans-IO tests: its seed is `fill` repeated, so a test names its keys by
// a byte and gets the same key (and the same signatures) on every run.
#pragma once

#include <mcast/identity.hpp>

#include <array>
#include <cstdint>

namespace mcast::test_keys {

inline Identity key(std::uint8_t fill) {
    std::array<std::uint8_t, 32> seed{};
    seed.fill(fill);
    return Identity::from_seed(seed);
}

} // namespace mcast::test_keys
