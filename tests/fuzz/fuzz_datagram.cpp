// Fuzz target: any bytes through the receiver's whole ingress pipeline (header checks, replay
// window, tuple decoding, signature). It must never crash, hang or leak, and must never deliver
// a message whose signature does not verify.
#include "protocol/receiver.hpp"
#include <mcast/wire.hpp>

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static mcast::Receiver receiver(mcast::PublicKeyBytes{}, 1);
    static mcast::MonoTime now{};
    now += std::chrono::milliseconds(1);
    mcast::ByteView in(data, size);
    auto r = receiver.ingest(in, now);
    if (!r.dropped) {
        // Delivered: an independent decode must agree that it is valid and signed.
        auto check = mcast::decode_datagram(in);
        if (check.error) std::abort();
    }
    return 0;
}
