// Lab test of search (#16): resident nodes on three hosts share folders (each host with its own
// config and cache directories, as separate machines have); `mcast search` on one host finds the
// files of every node, the same content with the same hash; a friends-only share is invisible to
// a stranger's search and visible to a friend's; a file changed under a running node is hashed
// again and found with its new hash; forged and unbound answers change nothing.
#include "lab_fixture.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <regex>
#include <set>
#include <thread>

using namespace mcast::testlab;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

class Search : public LabTest {
protected:
    void SetUp() override { make_lab(3, "se"); }

    fs::path home(int host) const { return dir_ / ("home" + std::to_string(host)); }

    // argv in `host` with that host's own config and cache directories.
    std::vector<std::string> host_argv(int host, std::vector<std::string> args) const {
        std::vector<std::string> argv{"env", "XDG_CONFIG_HOME=" + (home(host) / "config").string(),
                                      "XDG_CACHE_HOME=" + (home(host) / "cache").string(),
                                      Paths::mcast()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--identity", key(host)});
        return argv;
    }

    CommandResult on(int host, std::vector<std::string> args) const {
        return run_command(lab_->exec_argv(host, host_argv(host, std::move(args))), 20s);
    }

    Process node_on(int host, const std::string& name) const {
        auto p = lab_->spawn(host, host_argv(host, {"announce", "-v", "--name", name}));
        EXPECT_TRUE(p.wait_for_line(Stream::err, std::regex("announcing"), 5s)) << p.err();
        return p;
    }

    static void write(const fs::path& p, const std::string& text) {
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
    }

    // Shares `folder` on `host` and waits until its running node has indexed `files` files.
    void share(int host, const fs::path& folder, const std::string& label, std::size_t files,
               bool friends_only = false) {
        std::vector<std::string> args{"share", "add", folder.string(), "--label", label};
        if (friends_only) args.push_back("--friends-only");
        auto r = on(host, args);
        ASSERT_EQ(r.code, 0) << r.err;
        wait_indexed(host, label, files);
    }

    void wait_indexed(int host, const std::string& label, std::size_t files) {
        auto deadline = std::chrono::steady_clock::now() + 20s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto r = on(host, {"share", "list", "--json"});
            for (const auto& s : records(r.out, "share"))
                if (s.at("label").as_string() == label && s.at("files").is_int64() &&
                    s.at("files").as_int64() == static_cast<std::int64_t>(files))
                    return;
            std::this_thread::sleep_for(200ms);
        }
        FAIL() << "host " << host << " did not index " << files << " files in " << label;
    }

    std::vector<json::object> search(int host, std::vector<std::string> terms) {
        std::vector<std::string> args{"search", "--json"};
        args.insert(args.end(), terms.begin(), terms.end());
        auto r = on(host, args);
        EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
        return records(r.out, "found");
    }
};

} // namespace

TEST_F(Search, FindsFilesOnEveryNodeWithTheirContentHash) {
    std::string film(700000, 'f'); // three blocks of 128 KiB and a bit
    for (int h = 1; h <= 3; ++h) {
        write(home(h) / "films" / "2024" / "Holiday in Rome.mkv", film); // the same on all
        write(home(h) / "films" / ("only-on-" + std::to_string(h) + ".txt"),
              "h" + std::to_string(h));
    }
    std::vector<Process> nodes;
    for (int h = 1; h <= 3; ++h) {
        nodes.push_back(node_on(h, "n" + std::to_string(h)));
        share(h, home(h) / "films", "films", 2);
    }
    auto start = std::chrono::steady_clock::now();
    auto found = search(1, {"holiday", "--type", "video"});
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(found.size(), 3u) << "one per node";
    std::set<std::string> nodes_seen, roots;
    for (const auto& f : found) {
        nodes_seen.insert(std::string(f.at("node").as_string()));
        roots.insert(std::string(f.at("root").as_string()));
        EXPECT_EQ(f.at("path").as_string(), "2024/Holiday in Rome.mkv");
        EXPECT_EQ(f.at("size").as_int64(), 700000);
        EXPECT_EQ(f.at("media_type").as_string(), "video");
        EXPECT_EQ(f.at("block_size").as_int64(), 131072);
    }
    EXPECT_EQ(nodes_seen, (std::set<std::string>{ids_[1], ids_[2], ids_[3]}));
    EXPECT_EQ(roots.size(), 1u) << "the same content has the same hash on every node";
    // A fraction of a second plus the process's own start (well under the 2 s timeout).
    EXPECT_LT(took, 2s);

    // A glob on the name, from another host: one file, on h3 only.
    auto glob = search(2, {"only-on-3*"});
    ASSERT_EQ(glob.size(), 1u);
    EXPECT_EQ(glob[0].at("node").as_string(), ids_[3]);
    // Nothing matches: exit 1, no record.
    auto r = on(2, {"search", "--json", "nosuchfile"});
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_TRUE(records(r.out, "found").empty());
}

TEST_F(Search, FriendsOnlySharesAreInvisibleToStrangers) {
    write(home(2) / "photos" / "beach.jpg", "jpeg");
    write(home(2) / "public" / "beach-map.pdf", "pdf");
    auto n1 = node_on(1, "n1");
    auto n2 = node_on(2, "n2");
    share(2, home(2) / "photos", "photos", 1, true);
    share(2, home(2) / "public", "public", 1);
    // Nobody is h2's friend yet: only the public file.
    auto found = search(1, {"beach"});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].at("share").as_string(), "public");
    // h2 trusts h1 (trust add finds h1's node on the network), and reads its trust store again.
    auto t = on(2, {"trust", "add", ids_[1].substr(0, 16)});
    ASSERT_EQ(t.code, 0) << t.err;
    n2.signal(SIGHUP);
    ASSERT_TRUE(n2.wait_for_line(Stream::err, std::regex("settings read again"), 5s)) << n2.err();
    found = search(1, {"beach"});
    EXPECT_EQ(found.size(), 2u) << "a friend sees the friends-only share";
    // h3 is nobody's friend: still only the public file.
    found = search(3, {"beach"});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].at("share").as_string(), "public");
}

TEST_F(Search, AChangedFileIsHashedAgain) {
    auto file = home(2) / "docs" / "report.txt";
    write(file, "first version");
    auto n2 = node_on(2, "n2");
    share(2, home(2) / "docs", "docs", 1);
    auto before = search(1, {"report"});
    ASSERT_EQ(before.size(), 1u);
    auto old_root = std::string(before[0].at("root").as_string());
    write(file, "the second, longer version");
    // inotify sees the change; the node settles, hashes it again and answers with the new hash.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::string new_root = old_root;
    while (new_root == old_root && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(300ms);
        auto now = search(1, {"report"});
        if (now.size() == 1 && now[0].at("size").as_int64() == 26)
            new_root = std::string(now[0].at("root").as_string());
    }
    EXPECT_NE(new_root, old_root) << "the changed file was not hashed again within 10 s";
    // A link out of the share is never catalogued.
    fs::create_symlink(home(2) / "config", home(2) / "docs" / "escape");
    fs::create_symlink(key(2), home(2) / "docs" / "key.pem");
    std::this_thread::sleep_for(1500ms);
    EXPECT_TRUE(search(1, {"pem"}).empty());
    EXPECT_TRUE(search(1, {"shares"}).empty()); // h2's config/shares, behind the link
}

TEST_F(Search, MalformedQueriesAreDroppedAndCounted) {
    write(home(2) / "docs" / "a.txt", "a");
    auto n2 = node_on(2, "n2");
    share(2, home(2) / "docs", "docs", 1);
    // The vector of a query with limit 0: validly signed, of the wrong shape.
    std::ifstream in(fs::path(MCAST_VECTORS_DIR) / "shape-search-limit-0.json");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto hex = std::string(json::parse(text).at("datagram").as_string());
    ASSERT_EQ(lab_->run(1, {MCAST_INJECT_PATH, "eth0", "239.255.77.67", "7767", hex}), 0);
    std::this_thread::sleep_for(300ms);
    auto r = on(2, {"share", "list", "-v"});
    EXPECT_NE(r.err.find("dropped 1 malformed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("0 answered"), std::string::npos) << r.err;
    // A good query still gets its answer.
    EXPECT_EQ(search(1, {"a.txt"}).size(), 1u);
}

TEST_F(Search, ShareAddRefusesMissingPaths) {
    auto r = on(1, {"share", "add", (dir_ / "nope").string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("no such directory"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
    auto list = on(1, {"share", "list", "--json"});
    EXPECT_EQ(list.code, 0);
    EXPECT_TRUE(records(list.out, "share").empty());
}
