// The catalogue's store without a node: the shares file, the hash cache (round trip, and a
// corrupt cache rebuilt, never served), indexing a folder (only changed files hashed again,
// links out of a share never catalogued, a file replaced keeping its size and mtime hashed
// again, a version-1 cache rebuilt), what search sees (friends-only shares) and what a streaming
// answer lists of what is served.
#include <mcast/catalogue.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

using namespace mcast;
namespace fs = std::filesystem;

namespace {

class CatalogueTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/mcast-catalogue-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        fs::create_directories(dir_ / "films" / "2024");
        fs::create_directories(dir_ / "secret");
        write(dir_ / "films" / "2024" / "Holiday in Rome.mkv", std::string(300000, 'a'));
        write(dir_ / "films" / "notes.txt", "hello");
        write(dir_ / "secret" / "diary.txt", "private");
    }
    void TearDown() override { fs::remove_all(dir_); }

    static void write(const fs::path& p, const std::string& text) {
        std::ofstream(p, std::ios::binary) << text;
    }

    std::vector<Share> shares() const {
        return {{"films", dir_ / "films", false}, {"secret", dir_ / "secret", true}};
    }

    fs::path dir_;
};

} // namespace

TEST_F(CatalogueTest, IndexesFilesWithTheirContentHash) {
    HashCache cache;
    IndexStats st;
    auto cat = index_shares(shares(), cache, st);
    ASSERT_TRUE(cat);
    EXPECT_EQ(st.files, 3u);
    EXPECT_EQ(st.hashed, 3u);
    auto e = cat->find("films", "2024/Holiday in Rome.mkv");
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->size, 300000u);
    EXPECT_EQ(e->type, "video");
    BlockHasher h(300000);
    std::string a(300000, 'a');
    h.update(ByteView(reinterpret_cast<const std::uint8_t*>(a.data()), a.size()));
    EXPECT_EQ(e->manifest, *h.finish());
    EXPECT_EQ(cat->find_root(e->manifest.root).size(), 1u);
    EXPECT_EQ(cat->files_in("films"), 2u);
}

TEST_F(CatalogueTest, OnlyChangedFilesAreHashedAgain) {
    HashCache cache;
    IndexStats first;
    ASSERT_TRUE(index_shares(shares(), cache, first));
    IndexStats again;
    ASSERT_TRUE(index_shares(shares(), cache, again));
    EXPECT_EQ(again.hashed, 0u);
    EXPECT_EQ(again.from_cache, 3u);

    auto notes = dir_ / "films" / "notes.txt";
    write(notes, "hello, changed");
    IndexStats changed;
    auto cat = index_shares(shares(), cache, changed);
    ASSERT_TRUE(cat);
    EXPECT_EQ(changed.hashed, 1u);
    EXPECT_EQ(cat->find("films", "notes.txt")->size, 14u);
    fs::remove(notes);
    IndexStats removed;
    cat = index_shares(shares(), cache, removed);
    EXPECT_EQ(cat->find("films", "notes.txt"), nullptr);
    EXPECT_EQ(cache.size(), 2u); // the cache forgets what is gone
}

TEST_F(CatalogueTest, LinksOutOfAShareAreNeverCatalogued) {
    fs::create_symlink(dir_ / "secret" / "diary.txt", dir_ / "films" / "escape.txt");
    fs::create_directory_symlink(dir_ / "secret", dir_ / "films" / "escape-dir");
    fs::create_symlink("/etc/passwd", dir_ / "films" / "passwd");
    fs::create_symlink(dir_ / "films" / "notes.txt", dir_ / "films" / "inside.txt");
    HashCache cache;
    IndexStats st;
    auto cat = index_shares({{"films", dir_ / "films", false}}, cache, st);
    ASSERT_TRUE(cat);
    EXPECT_EQ(cat->find("films", "escape.txt"), nullptr);
    EXPECT_EQ(cat->find("films", "passwd"), nullptr);
    EXPECT_EQ(cat->find("films", "escape-dir/diary.txt"), nullptr);
    EXPECT_NE(cat->find("films", "inside.txt"), nullptr); // a link inside the share is fine
    for (const auto& e : cat->entries())
        EXPECT_EQ(e.path.find(".."), std::string::npos) << e.path;
}

TEST_F(CatalogueTest, CacheRoundTrips) {
    HashCache cache;
    IndexStats st;
    ASSERT_TRUE(index_shares(shares(), cache, st));
    auto file = dir_ / "cache" / "catalogue";
    save_hash_cache(file, cache);
    auto back = load_hash_cache(file);
    EXPECT_TRUE(back.warning.empty()) << back.warning;
    EXPECT_EQ(back.entries, cache);
    // A restart: nothing is hashed again.
    IndexStats restart;
    ASSERT_TRUE(index_shares(shares(), back.entries, restart));
    EXPECT_EQ(restart.hashed, 0u);
    EXPECT_EQ(restart.from_cache, 3u);
    // No file yet: empty, no warning.
    auto none = load_hash_cache(dir_ / "nothing");
    EXPECT_TRUE(none.entries.empty());
    EXPECT_TRUE(none.warning.empty());
}

TEST_F(CatalogueTest, ACorruptCacheIsDroppedWithAWarning) {
    HashCache cache;
    IndexStats st;
    ASSERT_TRUE(index_shares(shares(), cache, st));
    auto file = dir_ / "catalogue";
    save_hash_cache(file, cache);
    std::string text;
    {
        std::ifstream in(file, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto corrupt = [&](std::string t) {
        write(file, t);
        return load_hash_cache(file);
    };
    // One flipped hex digit in a block hash: the checksum (and the root) catch it.
    auto flipped = text;
    auto pos = flipped.find("\"blocks\":\"") + 10;
    flipped[pos] = flipped[pos] == '0' ? '1' : '0';
    auto r = corrupt(flipped);
    EXPECT_TRUE(r.entries.empty());
    EXPECT_NE(r.warning.find("corrupt"), std::string::npos) << r.warning;
    // Cut short (a crash mid-write of a non-atomic writer), garbage, another format.
    EXPECT_TRUE(corrupt(text.substr(0, text.size() / 2)).entries.empty());
    EXPECT_FALSE(corrupt(text.substr(0, text.size() / 2)).warning.empty());
    EXPECT_FALSE(corrupt("garbage\n").warning.empty());
    EXPECT_FALSE(corrupt("").warning.empty());
    // A consistent checksum over an entry whose root does not fit its blocks is refused too.
    auto root_pos = text.find("\"root\":\"") + 8;
    auto bad_root = text;
    bad_root[root_pos] = bad_root[root_pos] == '0' ? '1' : '0';
    auto body = bad_root.substr(0, bad_root.rfind("end "));
    auto sum = digest_hex(
        sha256(ByteView(reinterpret_cast<const std::uint8_t*>(body.data()), body.size())));
    auto r2 = corrupt(body + "end " + std::to_string(cache.size()) + " " + sum + "\n");
    EXPECT_TRUE(r2.entries.empty());
    EXPECT_NE(r2.warning.find("root"), std::string::npos) << r2.warning;
}

TEST_F(CatalogueTest, FriendsOnlySharesAreSearchedOnlyForTrustedQueriers) {
    HashCache cache;
    IndexStats st;
    auto cat = index_shares(shares(), cache, st);
    ASSERT_TRUE(cat);
    SearchQuery q;
    q.terms = {"*.txt"};
    bool truncated = true;
    auto stranger = cat->search(q, false, 50, truncated);
    ASSERT_EQ(stranger.size(), 1u);
    EXPECT_EQ(stranger[0].path, "notes.txt");
    EXPECT_FALSE(truncated);
    auto friend_ = cat->search(q, true, 50, truncated);
    EXPECT_EQ(friend_.size(), 2u);
    auto one = cat->search(q, true, 1, truncated);
    EXPECT_EQ(one.size(), 1u);
    EXPECT_TRUE(truncated);
}

TEST_F(CatalogueTest, SharesFileRoundTripsAndMissingPathsAreRefused) {
    auto file = dir_ / "config" / "shares";
    EXPECT_TRUE(load_shares(file).empty());
    auto s = make_share(dir_ / "films", "", true);
    EXPECT_EQ(s.label, "films");
    EXPECT_TRUE(s.path.is_absolute());
    update_shares(file, [&](std::vector<Share>& v) { v.push_back(s); });
    auto back = load_shares(file);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0], s);
    EXPECT_THROW(make_share(dir_ / "nope", "", false), ShareError);
    EXPECT_THROW(make_share(dir_ / "films" / "notes.txt", "", false), ShareError);
    EXPECT_THROW(make_share(dir_ / "films", "a/b", false), ShareError);
    write(file, "not json\n");
    EXPECT_THROW(load_shares(file), ShareError);
}

TEST_F(CatalogueTest, ServingNamesWhatIsSentByTheCatalogueAndHidesFriendsOnlyFiles) {
    HashCache cache;
    IndexStats st;
    auto cat = index_shares(shares(), cache, st);
    ASSERT_TRUE(cat);
    auto root_of = [&](const std::string& path) {
        for (const auto& e : cat->entries())
            if (e.path == path) return e.manifest.root;
        ADD_FAILURE() << path;
        return Digest{};
    };
    auto client = [](std::uint8_t who, std::uint64_t rate) {
        ServeClient c;
        NodeId id;
        id.digest.fill(who);
        c.node = id;
        c.address = "10.0.0." + std::to_string(who);
        c.rate_bps = rate;
        return c;
    };
    Digest unknown{};
    unknown.fill(0x77);
    std::vector<Serving> now{{root_of("2024/Holiday in Rome.mkv"), client(1, 1000)},
                             {root_of("diary.txt"), client(2, 5000)},
                             {unknown, client(3, 9000)}, // no longer in the catalogue
                             {root_of("2024/Holiday in Rome.mkv"), client(4, 8000)}};
    SearchQuery any;
    any.streaming = true;
    bool truncated = true;
    auto stranger = cat->serving(any, false, now, 50, truncated);
    ASSERT_EQ(stranger.size(), 1u);
    EXPECT_FALSE(truncated);
    EXPECT_EQ(stranger[0].share, "films");
    EXPECT_EQ(stranger[0].path, "2024/Holiday in Rome.mkv");
    EXPECT_EQ(stranger[0].size, 300000u);
    EXPECT_EQ(stranger[0].type, "video");
    ASSERT_EQ(stranger[0].clients.size(), 2u); // grouped by file, fastest first
    EXPECT_EQ(stranger[0].clients[0].rate_bps, 8000u);
    EXPECT_EQ(stranger[0].clients[1].rate_bps, 1000u);

    auto friend_ = cat->serving(any, true, now, 50, truncated);
    ASSERT_EQ(friend_.size(), 2u);
    EXPECT_EQ(friend_[1].share, "secret");
    auto one = cat->serving(any, true, now, 1, truncated);
    EXPECT_EQ(one.size(), 1u);
    EXPECT_TRUE(truncated);

    SearchQuery words = any;
    words.terms = {"diary"};
    EXPECT_EQ(cat->serving(words, true, now, 50, truncated).size(), 1u);
    words.terms = {"nothing-like-it"};
    EXPECT_TRUE(cat->serving(words, true, now, 50, truncated).empty());
    EXPECT_TRUE(cat->serving(any, true, {}, 50, truncated).empty());
}

namespace {

// Sets `p`'s mtime to `mtime_ns` (as `touch -r` or a copy that keeps times does).
void set_mtime(const fs::path& p, std::int64_t mtime_ns) {
    struct timespec times[2] = {{0, UTIME_OMIT},
                                {static_cast<time_t>(mtime_ns / 1'000'000'000),
                                 static_cast<long>(mtime_ns % 1'000'000'000)}};
    ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

} // namespace

TEST_F(CatalogueTest, AFileReplacedKeepingSizeAndMtimeIsHashedAgain) {
    HashCache cache;
    IndexStats st;
    auto cat = index_shares(shares(), cache, st);
    ASSERT_TRUE(cat);
    auto notes = dir_ / "films" / "notes.txt";
    const auto* before = cat->find("films", "notes.txt");
    ASSERT_NE(before, nullptr);
    const auto old_root = before->manifest.root;
    const auto mtime = before->mtime_ns;
    auto root_of = [](const std::string& bytes) {
        BlockHasher h(bytes.size());
        h.update(ByteView(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
        return h.finish()->root;
    };
    ASSERT_EQ(old_root, root_of("hello"));

    // Another file of the same size put in its place with the old mtime (a restore): a new
    // inode, a new ctime.
    auto other = dir_ / "films" / "other.tmp";
    write(other, "HELLO");
    set_mtime(other, mtime);
    fs::rename(other, notes);
    IndexStats replaced;
    cat = index_shares(shares(), cache, replaced);
    ASSERT_TRUE(cat);
    EXPECT_EQ(replaced.hashed, 1u);
    ASSERT_NE(cat->find("films", "notes.txt"), nullptr);
    EXPECT_EQ(cat->find("films", "notes.txt")->mtime_ns, mtime) << "the test kept the mtime";
    EXPECT_EQ(cat->find("films", "notes.txt")->manifest.root, root_of("HELLO"));

    // The same file rewritten in place, same size, its mtime set back: the same inode, but the
    // ctime moves (after a tick of the kernel's coarse clock).
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    write(notes, "howdy");
    set_mtime(notes, mtime);
    IndexStats rewritten;
    cat = index_shares(shares(), cache, rewritten);
    ASSERT_TRUE(cat);
    EXPECT_EQ(rewritten.hashed, 1u);
    EXPECT_EQ(cat->find("films", "notes.txt")->manifest.root, root_of("howdy"));

    // Unchanged since: from the cache, also after a save and a load.
    auto file = dir_ / "catalogue";
    save_hash_cache(file, cache);
    auto back = load_hash_cache(file);
    ASSERT_TRUE(back.warning.empty()) << back.warning;
    IndexStats again;
    cat = index_shares(shares(), back.entries, again);
    EXPECT_EQ(again.hashed, 0u);
    EXPECT_EQ(cat->find("films", "notes.txt")->manifest.root, root_of("howdy"));
}

TEST_F(CatalogueTest, AVersion1CacheIsRebuiltWithAWarningNeverServed) {
    // A well-formed cache of the first version (keyed by size and mtime alone), its checksum
    // right: dropped with a warning, every file hashed again.
    HashCache cache;
    IndexStats st;
    ASSERT_TRUE(index_shares(shares(), cache, st));
    const auto& [key, m] = *cache.begin();
    ByteBuffer raw;
    for (const auto& d : m.blocks)
        raw.insert(raw.end(), d.begin(), d.end());
    std::string body = "mcast-catalogue-v1\n{\"file\":\"" + key.file +
                       "\",\"size\":" + std::to_string(key.size) +
                       ",\"mtime_ns\":" + std::to_string(key.mtime_ns) +
                       ",\"block_size\":" + std::to_string(m.block_size) + ",\"blocks\":\"" +
                       to_hex(raw) + "\",\"root\":\"" + digest_hex(m.root) + "\"}\n";
    auto sum = digest_hex(
        sha256(ByteView(reinterpret_cast<const std::uint8_t*>(body.data()), body.size())));
    auto file = dir_ / "catalogue";
    write(file, body + "end 1 " + sum + "\n");
    auto r = load_hash_cache(file);
    EXPECT_TRUE(r.entries.empty());
    EXPECT_NE(r.warning.find("older version"), std::string::npos) << r.warning;
    IndexStats rebuilt;
    ASSERT_TRUE(index_shares(shares(), r.entries, rebuilt));
    EXPECT_EQ(rebuilt.hashed, 3u);
    EXPECT_EQ(rebuilt.from_cache, 0u);
}
