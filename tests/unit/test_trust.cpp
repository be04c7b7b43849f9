// Trust store without a network: the text format both ways, malformed lines named, lookups by
// prefix and name, name clashes, atomic saves, and the receiver's accept policy dropping
// strangers before their signature is checked.
#include "protocol/receiver.hpp"
#include "protocol/sender.hpp"
#include <mcast/trust_store.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <thread>

using namespace mcast;
namespace fs = std::filesystem;

namespace {

std::string id_of(char c) {
    return std::string(64, c);
}

} // namespace

TEST(TrustStore, FormatRoundTripsAndSkipsComments) {
    TrustStore t;
    EXPECT_TRUE(t.add({id_of('a'), "media-pc", "2026-11-26T00:00:00Z", "living room"}));
    EXPECT_TRUE(t.add({id_of('b'), "kitchen pi", "2026-11-26T00:00:01Z", ""}));
    auto text = t.format();
    EXPECT_EQ(text.rfind("# ", 0), 0u);
    auto back = TrustStore::parse(text);
    EXPECT_EQ(back.friends(), t.friends());
}

TEST(TrustStore, MalformedLineIsNamed) {
    try {
        TrustStore::parse("# ok\n" + id_of('a') + "\tn\tt\nnot-an-id\tx\ty\n", "/cfg/trust");
        FAIL() << "accepted a malformed line";
    } catch (const TrustError& e) {
        EXPECT_NE(std::string(e.what()).find("/cfg/trust:3:"), std::string::npos) << e.what();
    }
}

TEST(TrustStore, AddUpdateRemoveAndLookups) {
    TrustStore t;
    t.add({id_of('a'), "one", "t", ""});
    EXPECT_FALSE(t.add({id_of('a'), "one", "t2", ""})); // same data: no change
    EXPECT_TRUE(t.add({id_of('a'), "renamed", "t2", "n"}));
    EXPECT_EQ(t.friends().size(), 1u);
    EXPECT_EQ(t.friends()[0].name, "renamed");
    t.add({id_of('b'), "two", "t", ""});
    EXPECT_EQ(t.match_prefix("AAA").size(), 1u);
    EXPECT_EQ(t.match_prefix("").size(), 0u);
    EXPECT_EQ(t.name_clash("two", id_of('c'))->id, id_of('b'));
    EXPECT_EQ(t.name_clash("two", id_of('b')), nullptr);
    EXPECT_TRUE(t.remove(id_of('a')));
    EXPECT_FALSE(t.remove(id_of('a')));
    EXPECT_THROW(t.add({"abc", "x", "t", ""}), TrustError);
    EXPECT_THROW(t.add({id_of('d'), "tab\there", "t", ""}), TrustError);
}

TEST(TrustStore, SaveIsAtomicAndMissingFileIsEmpty) {
    char tmpl[] = "/tmp/mcast-trust-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    auto file = dir / "sub" / "trust";
    EXPECT_TRUE(TrustStore::load(file).friends().empty());
    TrustStore t;
    t.add({id_of('e'), "x", "t", ""});
    t.save(file);
    t.add({id_of('f'), "y", "t", ""});
    t.save(file);
    EXPECT_EQ(TrustStore::load(file).friends().size(), 2u);
    int entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(file.parent_path()))
        ++entries;
    EXPECT_EQ(entries, 1); // no temporary left behind
    fs::remove_all(dir);
}

TEST(Receiver, AcceptPolicyDropsStrangersBeforeVerifying) {
    std::array<std::uint8_t, 32> s1{}, s2{}, me{};
    s1.fill(1);
    s2.fill(2);
    me.fill(3);
    auto friend_key = Identity::from_seed(s1), stranger = Identity::from_seed(s2);
    Receiver r(Identity::from_seed(me).public_key(), 1);
    auto friend_id = friend_key.id();
    r.set_accept([&](const NodeId& id) { return id == friend_id; });
    Sender a(friend_key, 1), b(stranger, 1);
    EXPECT_FALSE(r.ingest(a.seal(1, "t", {}, 1), {}).dropped);
    auto bad = b.seal(1, "t", {}, 1);
    bad.back() ^= 1; // a broken signature, yet counted as untrusted: never verified
    EXPECT_EQ(r.ingest(bad, {}).dropped, DropReason::untrusted);
    EXPECT_EQ(r.counters()[DropReason::untrusted], 1u);
    EXPECT_EQ(r.counters()[DropReason::bad_signature], 0u);
}

#include <mcast/pairing.hpp>

TEST(Pairing, CodeDependsOnBothKeysAndBothNonces) {
    PublicKeyBytes a{}, b{};
    a.fill(1);
    b.fill(2);
    Nonce na{}, nb{};
    na.fill(3);
    nb.fill(4);
    auto code = pair_code(a, b, na, nb);
    EXPECT_EQ(code.size(), 7u); // "123 456"
    EXPECT_EQ(code[3], ' ');
    EXPECT_EQ(code, pair_code(a, b, na, nb));
    auto other_nonce = nb;
    other_nonce[0] ^= 1;
    auto other_key = b;
    other_key[0] ^= 1;
    // Different inputs give a different code (for these fixed inputs; 1 in 10^6 to collide).
    EXPECT_NE(code, pair_code(a, b, na, other_nonce));
    EXPECT_NE(code, pair_code(a, other_key, na, nb));
    EXPECT_NE(code, pair_code(b, a, na, nb)); // roles are part of the code
}

TEST(Pairing, CommitmentAndCodecs) {
    Nonce n{};
    n.fill(9);
    auto c = pair_commitment(n);
    n[0] ^= 1;
    EXPECT_NE(c, pair_commitment(n));
    PairRequest r{n, c, "me", IdPrefix{1, 2, 3, 4, 5, 6, 7, 8}};
    auto back = decode_pair_request(encode_pair(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->commitment, c);
    EXPECT_EQ(back->target, r.target);
    EXPECT_TRUE(decode_pair_reveal(encode_pair(PairReveal{n, n})));
    EXPECT_FALSE(decode_pair_reveal(encode_pair(PairConfirm{n})));
    EXPECT_FALSE(decode_pair_response(Tuple{}));
}

#include <mcast/known_names.hpp>

TEST(KnownNames, PinsTheFirstKeyAndReportsAnother) {
    KnownNames k;
    EXPECT_FALSE(k.check("printer", id_of('a'), "t1"));
    EXPECT_TRUE(k.changed());
    EXPECT_FALSE(k.check("printer", id_of('a'), "t2"));
    EXPECT_EQ(k.check("printer", id_of('b'), "t3"), id_of('a'));
    EXPECT_TRUE(k.forget("printer"));
    EXPECT_FALSE(k.check("printer", id_of('b'), "t4")); // re-pinned
    EXPECT_FALSE(k.check("", id_of('c'), "t5"));        // nameless nodes are not pinned
    EXPECT_EQ(k.names().size(), 1u);
}

namespace {
// A distinct 64-hex-digit id per number.
std::string id_n(std::size_t n) {
    auto digits = std::to_string(n);
    return std::string(64 - digits.size(), '0') + digits;
}
} // namespace

TEST(KnownNames, BoundedAndRoundTripsThroughItsFile) {
    KnownNames k;
    for (std::size_t i = 0; i < KnownNames::max_names + 50; ++i)
        k.check("n" + std::to_string(i), id_n(i), "t");
    EXPECT_EQ(k.names().size(), KnownNames::max_names);
    char tmpl[] = "/tmp/mcast-known-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    k.save(dir / "known_names");
    auto back = KnownNames::load(dir / "known_names");
    EXPECT_EQ(back.names().size(), KnownNames::max_names);
    EXPECT_EQ(back.names().front().name, k.names().front().name);
    fs::remove_all(dir);
}

TEST(KnownNames, OneKeyRenamingItselfAThousandTimesFlushesNobodyElse) {
    KnownNames k;
    k.check("alice", id_n(1), "t0");
    for (int i = 0; i < 1000; ++i)
        k.check("fake" + std::to_string(i), id_n(666), "t");
    EXPECT_EQ(k.names().size(), 1 + KnownNames::max_pins_per_key);
    EXPECT_EQ(k.check("alice", id_n(666), "t"), id_n(1)); // still pinned: the impostor is seen
}

TEST(KnownNames, ANameSeenAgainIsRefreshedAndFriendsPinsAreKept) {
    KnownNames k;
    k.keep([](const std::string& id) { return id == id_n(2); });
    k.check("alice", id_n(1), "t0");
    k.check("bob", id_n(2), "t0"); // a friend
    // Many keys, one new name each; alice is seen now and then, bob never again.
    for (std::size_t i = 0; i < 5 * KnownNames::max_names; ++i) {
        k.check("n" + std::to_string(i), id_n(1000 + i), "t");
        if (i % 500 == 0) {
            EXPECT_FALSE(k.check("alice", id_n(1), "t"));
        }
    }
    EXPECT_EQ(k.names().size(), KnownNames::max_names);
    EXPECT_EQ(k.check("alice", id_n(666), "t"), id_n(1));
    EXPECT_EQ(k.check("bob", id_n(666), "t"), id_n(2));
}

TEST(KnownNames, SavingCreatesMissingDirectoriesPrivate) {
    // discover may be the first to write the config directory, before the key lands in it.
    auto old_mask = ::umask(022);
    char tmpl[] = "/tmp/mcast-dirs-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    KnownNames k;
    k.check("alice", id_n(1), "t");
    k.save(dir / "config" / "mcast" / "known_names");
    TrustStore().save(dir / "other" / "trust");
    ::umask(old_mask);
    for (auto d : {dir / "config", dir / "config" / "mcast", dir / "other"}) {
        struct stat st {};
        ASSERT_EQ(::stat(d.c_str(), &st), 0) << d;
        EXPECT_EQ(st.st_mode & 0777, 0700u) << d;
    }
    fs::remove_all(dir);
}

TEST(TrustStore, TwoWritersAtOnceLoseNoChange) {
    // Two processes adding friends at once (pair and trust add) each load, add and save: under
    // the store's lock, every one of their changes is kept. Threads with files of their own
    // lock as processes do.
    char tmpl[] = "/tmp/mcast-race-XXXXXX";
    fs::path dir = ::mkdtemp(tmpl);
    auto file = dir / "trust";
    auto writer = [&](int first) {
        for (int i = first; i < first + 40; ++i)
            TrustStore::update(file, [&](TrustStore& s) {
                s.add({id_n(static_cast<std::size_t>(i)), "n" + std::to_string(i), "t", ""});
            });
    };
    std::thread a(writer, 0), b(writer, 1000);
    a.join();
    b.join();
    EXPECT_EQ(TrustStore::load(file).friends().size(), 80u);
    // And a forget racing a save of new pins keeps both.
    KnownNames::update(dir / "known_names", [](KnownNames& k) { k.check("alice", id_n(1), "t"); });
    std::thread f([&] {
        for (int i = 0; i < 40; ++i)
            KnownNames::update(dir / "known_names", [&](KnownNames& k) {
                k.check("f" + std::to_string(i), id_n(2), "t");
            });
    });
    KnownNames::update(dir / "known_names", [](KnownNames& k) { k.forget("alice"); });
    f.join();
    auto known = KnownNames::load(dir / "known_names");
    EXPECT_EQ(known.names().size(), KnownNames::max_pins_per_key); // key 2's newest eight
    EXPECT_EQ(known.check("alice", id_n(3), "t"), std::nullopt);   // forgotten, not restored
    fs::remove_all(dir);
}
