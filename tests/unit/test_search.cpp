// Search without sockets: the query and answer codecs (strict shapes), the matcher's rules
// (docs/protocol.md 13.2) and how a node's matches are packed into answer datagrams.
#include <mcast/search.hpp>
#include <mcast/tuple_codec.hpp>

#include <gtest/gtest.h>

using namespace mcast;

namespace {

SearchHit hit(std::string path, std::uint64_t size = 1000) {
    SearchHit h;
    h.share = "films";
    h.path = std::move(path);
    h.size = size;
    h.mtime_s = 1700000000;
    h.type = media_type_of(h.path);
    h.root.fill(0x5a);
    h.block_size = 128 * 1024;
    return h;
}

SearchQuery query(std::vector<std::string> terms) {
    SearchQuery q;
    q.nonce.fill(3);
    q.terms = std::move(terms);
    return q;
}

} // namespace

TEST(SearchCodec, RoundTrips) {
    auto q = query({"holiday", "*.mkv"});
    q.type = "video";
    q.min_size = 10;
    q.max_size = 1u << 30;
    q.limit = 20;
    EXPECT_EQ(decode_search_query(encode_search_query(q)), q);
    q.max_size.reset();
    EXPECT_EQ(decode_search_query(encode_search_query(q)), q);

    SearchAnswer a;
    a.nonce.fill(9);
    a.part = 2;
    a.parts = 3;
    a.truncated = true;
    a.name = "nas";
    a.hits = {hit("2024/holiday.mkv"), hit("notes.txt", 0)};
    EXPECT_EQ(decode_search_answer(encode_search_answer(a)), a);
}

TEST(SearchCodec, QueriesOfTheWrongShapeAreRefused) {
    auto good = encode_search_query(query({"a"}));
    ASSERT_TRUE(decode_search_query(good));
    auto with = [&](std::size_t i, Value v) {
        auto t = good;
        t[i] = std::move(v);
        return decode_search_query(t);
    };
    EXPECT_FALSE(with(0, Bytes{ByteBuffer(15)}));                     // nonce not 16 bytes
    EXPECT_FALSE(with(1, List{Value("")}));                           // empty term
    EXPECT_FALSE(with(1, List{Value(std::string(65, 'x'))}));         // term too long
    EXPECT_FALSE(with(1, List(17, Value("x"))));                      // too many terms
    EXPECT_FALSE(with(1, List{Value(std::int64_t{1})}));              // not a string
    EXPECT_FALSE(with(2, Value("films")));                            // unknown type
    EXPECT_FALSE(with(3, Value(std::int64_t{-1})));                   // negative size
    EXPECT_FALSE(with(4, Value("big")));                              // neither int nor null
    EXPECT_FALSE(with(5, Value(std::int64_t{0})));                    // limit 0
    EXPECT_FALSE(with(5, Value(std::int64_t{max_search_limit + 1}))); // limit too high
    auto t = good;
    t.pop_back();
    EXPECT_FALSE(decode_search_query(t)); // arity
}

TEST(SearchCodec, AnswersOfTheWrongShapeAreRefused) {
    SearchAnswer a;
    a.hits = {hit("x.mkv")};
    auto good = encode_search_answer(a);
    ASSERT_TRUE(decode_search_answer(good));
    auto with = [&](std::size_t i, Value v) {
        auto t = good;
        t[i] = std::move(v);
        return decode_search_answer(t);
    };
    EXPECT_FALSE(with(1, Value(std::int64_t{0})));           // part 0
    EXPECT_FALSE(with(1, Value(std::int64_t{2})));           // part beyond parts
    EXPECT_FALSE(with(2, Value(std::int64_t{5})));           // more parts than allowed
    EXPECT_FALSE(with(5, List(101, good[5].as<List>()[0]))); // too many hits
    EXPECT_FALSE(with(4, Value(std::string(256, 'n'))));     // name too long
    auto bad_hit = [&](std::size_t i, Value v) {
        auto h = good[5].as<List>()[0].as<List>();
        h[i] = std::move(v);
        return with(5, List{Value(h)});
    };
    EXPECT_FALSE(bad_hit(2, Value(std::int64_t{-5})));       // negative size
    EXPECT_FALSE(bad_hit(5, Bytes{ByteBuffer(31)}));         // root not 32 bytes
    EXPECT_FALSE(bad_hit(6, Value(std::int64_t{100000})));   // block size not allowed
    EXPECT_FALSE(bad_hit(1, Value(std::string(1025, 'p')))); // path too long
}

TEST(SearchMatcher, WordsAreCaseFoldedSubstringsOfThePath) {
    EXPECT_TRUE(term_matches("holiday", "2024/Holiday in Rome.mkv"));
    EXPECT_TRUE(term_matches("2024/hol", "2024/Holiday in Rome.mkv")); // across the folder
    EXPECT_FALSE(term_matches("holidays", "2024/Holiday in Rome.mkv"));
}

TEST(SearchMatcher, GlobsMatchTheWholeFileName) {
    EXPECT_TRUE(term_matches("*.MKV", "2024/Holiday in Rome.mkv"));
    EXPECT_TRUE(term_matches("holiday*", "2024/Holiday in Rome.mkv"));
    EXPECT_FALSE(term_matches("2024*", "2024/Holiday in Rome.mkv")); // not the folder
    EXPECT_FALSE(term_matches("*.mk", "a.mkv"));
    EXPECT_TRUE(term_matches("a?c.txt", "abc.txt"));
    EXPECT_TRUE(term_matches("?.txt", "é.txt")); // one character, two bytes
    EXPECT_FALSE(term_matches("??.txt", "é.txt"));
    EXPECT_TRUE(term_matches("*a*b*", "xxaxxbxx"));
    EXPECT_FALSE(term_matches("*a*b", "xxaxxbxx"));
}

TEST(SearchMatcher, EveryTermTypeAndSizeBoundMustHold) {
    auto q = query({"holiday", "*.mkv"});
    EXPECT_TRUE(search_matches(q, "Holiday.mkv", 10, "video"));
    EXPECT_FALSE(search_matches(q, "Holiday.mp4", 10, "video"));
    q.type = "audio";
    EXPECT_FALSE(search_matches(q, "Holiday.mkv", 10, "video"));
    q.type = "video";
    q.min_size = 11;
    EXPECT_FALSE(search_matches(q, "Holiday.mkv", 10, "video"));
    q.min_size = 10;
    q.max_size = 10;
    EXPECT_TRUE(search_matches(q, "Holiday.mkv", 10, "video"));
    EXPECT_FALSE(search_matches(q, "Holiday.mkv", 11, "video"));
    EXPECT_TRUE(search_matches(query({}), "anything", 0, "other")); // no terms: all
}

TEST(SearchMatcher, MediaTypesByExtension) {
    EXPECT_EQ(media_type_of("a/b/Film.MKV"), "video");
    EXPECT_EQ(media_type_of("song.flac"), "audio");
    EXPECT_EQ(media_type_of("x.tar.gz"), "archive");
    EXPECT_EQ(media_type_of("README"), "other");
    EXPECT_EQ(media_type_of(".bashrc"), "other");
    EXPECT_EQ(media_type_of("dir.mkv/file"), "other");
}

TEST(SearchPacking, SplitsIntoBoundedDatagramsAndSaysWhenTruncated) {
    Nonce n{};
    n.fill(1);
    std::vector<SearchHit> hits;
    for (int i = 0; i < 30; ++i)
        hits.push_back(hit("folder/file number " + std::to_string(i) + ".mkv"));
    auto one = pack_search_answer(n, "nas", hits, false, 60000);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].hits.size(), 30u);
    EXPECT_FALSE(one[0].truncated);

    auto small = pack_search_answer(n, "nas", hits, false, 600);
    ASSERT_GT(small.size(), 1u);
    ASSERT_LE(small.size(), max_answer_parts);
    std::size_t total = 0;
    for (const auto& p : small) {
        EXPECT_LE(encoded_size(encode_search_answer(p)), 600u);
        EXPECT_EQ(p.parts, static_cast<std::int64_t>(small.size()));
        EXPECT_EQ(p.nonce, n);
        total += p.hits.size();
    }
    EXPECT_LT(total, 30u);           // four small datagrams cannot hold all thirty
    EXPECT_TRUE(small[0].truncated); // and every part says so

    auto none = pack_search_answer(n, "nas", {}, true, 1200);
    ASSERT_EQ(none.size(), 1u);
    EXPECT_TRUE(none[0].hits.empty());
    EXPECT_TRUE(none[0].truncated);
}

// --- streaming queries and answers (docs/protocol.md 13.4) ---

namespace {

SearchServe serve(std::string path, int clients = 1) {
    SearchServe s;
    s.share = "films";
    s.path = std::move(path);
    s.size = 5u << 20;
    s.type = media_type_of(s.path);
    s.root.fill(0x33);
    for (int i = 0; i < clients; ++i) {
        ServeClient c;
        if (i % 2 == 0) {
            NodeId id;
            id.digest.fill(static_cast<std::uint8_t>(i + 1));
            c.node = id;
        }
        c.address = "10.0.0." + std::to_string(i + 2);
        c.age_ms = 1500 + i;
        c.rate_bps = 8'000'000;
        c.bytes = 3'000'000;
        s.clients.push_back(c);
    }
    return s;
}

} // namespace

TEST(SearchStreaming, QueryFlagRoundTripsAndPlainQueriesKeepSixValues) {
    auto q = query({"holiday"});
    EXPECT_EQ(encode_search_query(q).size(), 6u);
    q.streaming = true;
    auto t = encode_search_query(q);
    ASSERT_EQ(t.size(), 7u);
    EXPECT_EQ(decode_search_query(t), q);
    t[6] = Value(false); // the seventh value is there only to say true
    EXPECT_FALSE(decode_search_query(t));
    t[6] = Value(std::int64_t{1});
    EXPECT_FALSE(decode_search_query(t));
    t = encode_search_query(q);
    t.push_back(Value(true));
    EXPECT_FALSE(decode_search_query(t)); // eight
}

TEST(SearchStreaming, AnswersCarryServesAndRefuseTheWrongShape) {
    SearchAnswer a;
    a.nonce.fill(9);
    a.name = "nas";
    a.streaming = true;
    a.serves = {serve("2024/Holiday.mkv", 3), serve("talk.mp4")};
    auto t = encode_search_answer(a);
    ASSERT_EQ(t.size(), 7u);
    auto back = decode_search_answer(t);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, a);
    EXPECT_FALSE(back->serves[0].clients[1].node); // a client without a certificate: null

    SearchAnswer plain;
    plain.hits = {hit("a.mkv")};
    EXPECT_EQ(encode_search_answer(plain).size(), 6u);
    EXPECT_FALSE(decode_search_answer(encode_search_answer(plain))->streaming);

    auto bad = [&](auto change) {
        SearchAnswer b = a;
        change(b);
        return !decode_search_answer(encode_search_answer(b));
    };
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.hits = {hit("a.mkv")}; }));     // hits and serves
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.serves[1].clients.clear(); })); // a serve to nobody
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.serves[0] = serve("x.mkv", 17); }));
    EXPECT_TRUE(
        bad([](SearchAnswer& b) { b.serves[0].clients[0].address = std::string(65, '1'); }));
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.serves[0].clients[0].age_ms = -1; }));
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.serves[0].clients[0].rate_bps = 1'000'000'000'001; }));
    EXPECT_TRUE(bad([](SearchAnswer& b) { b.serves[0].type = std::string(17, 'v'); }));
    // A node id that is not 32 bytes.
    auto t2 = encode_search_answer(a);
    List client{Value(Bytes{ByteBuffer(31, 1)}), Value(std::string("10.0.0.2")),
                Value(std::int64_t{1}), Value(std::int64_t{1}), Value(std::int64_t{1})};
    List serve_l{Value(std::string("films")),     Value(std::string("a.mkv")),
                 Value(std::int64_t{1}),          Value(std::string("video")),
                 Value(Bytes{ByteBuffer(32, 1)}), Value(List{Value(client)})};
    t2[6] = Value(List{Value(serve_l)});
    client[0] = Value(Bytes{ByteBuffer(32, 1)});
    serve_l[5] = Value(List{Value(client)});
    auto t3 = t2;
    t3[6] = Value(List{Value(serve_l)});
    EXPECT_TRUE(decode_search_answer(t3)); // the same with 32 bytes is fine
    EXPECT_FALSE(decode_search_answer(t2));
}

TEST(SearchStreaming, PackingSplitsServesLikeHits) {
    Nonce n{};
    n.fill(2);
    std::vector<SearchServe> serves;
    for (int i = 0; i < 20; ++i)
        serves.push_back(serve("folder/stream " + std::to_string(i) + ".mkv", 4));
    auto parts = pack_streaming_answer(n, "nas", serves, false, 1200);
    ASSERT_GT(parts.size(), 1u);
    ASSERT_LE(parts.size(), max_answer_parts);
    std::size_t total = 0;
    for (const auto& p : parts) {
        EXPECT_TRUE(p.streaming);
        EXPECT_TRUE(p.hits.empty());
        EXPECT_LE(encoded_size(encode_search_answer(p)), 1200u);
        EXPECT_EQ(decode_search_answer(encode_search_answer(p)), p);
        total += p.serves.size();
    }
    EXPECT_GE(total, 8u);  // more than one per datagram
    EXPECT_LT(total, 20u); // but four datagrams cannot hold twenty serves of four clients
    EXPECT_TRUE(parts[0].truncated);

    auto none = pack_streaming_answer(n, "nas", {}, false, 1200);
    ASSERT_EQ(none.size(), 1u); // a node serving nothing still answers
    EXPECT_TRUE(none[0].streaming);
    EXPECT_TRUE(none[0].serves.empty());
    EXPECT_FALSE(none[0].truncated);
}
