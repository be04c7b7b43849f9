// What the test tools (make_vectors, mcast-hostile) use to build datagrams the reference
// encoder refuses to: a datagram signed again after it was altered, or with raw payload bytes.
#pragma once

#include <mcast/identity.hpp>
#include <mcast/wire.hpp>

#include <algorithm>

namespace mcast::testtools {

// Signs `d` again (its last 64 bytes are replaced by the signature of the rest).
inline ByteBuffer resign(ByteBuffer d, const Identity& id) {
    ByteBuffer msg(signature_domain.begin(), signature_domain.end());
    msg.insert(msg.end(), d.begin(), d.end() - signature_size);
    auto sig = id.sign(msg);
    std::copy(sig.begin(), sig.end(), d.end() - signature_size);
    return d;
}

// The header of `base` with `payload` as its raw tuple bytes, properly signed.
inline ByteBuffer with_payload(const ByteBuffer& base, const ByteBuffer& payload,
                               const Identity& id) {
    std::size_t topic_len = base[64];
    ByteBuffer d(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(65 + topic_len));
    for (int s = 24; s >= 0; s -= 8)
        d.push_back(static_cast<std::uint8_t>(payload.size() >> s));
    d.insert(d.end(), payload.begin(), payload.end());
    d.resize(d.size() + signature_size);
    return resign(d, id);
}

} // namespace mcast::testtools
