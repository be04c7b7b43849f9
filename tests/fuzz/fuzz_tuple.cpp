// Fuzz target: any bytes as a tuple payload. A payload that decodes must re-encode to exactly
// the same bytes (the encoding is canonical), and nothing may crash or allocate without bound.
#include <mcast/tuple_codec.hpp>

#include <cstdlib>
#include <cstring>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    mcast::ByteView in(data, size);
    auto r = mcast::decode_tuple(in);
    if (r.error) return 0;
    mcast::ByteBuffer again;
    mcast::encode_tuple(r.values, again);
    if (again.size() != size || std::memcmp(again.data(), data, size) != 0) std::abort();
    if (mcast::encoded_size(r.values) != size) std::abort();
    return 0;
}
