// The share server's request handler, driven with raw request text over real files in a
// temporary folder: only catalogue files are reachable, whatever the target says (dot segments,
// their percent-encoded forms, encoded slashes, absolute paths, symbolic links out of a share),
// Range gives 206/416/400 as RFC 9110 says, and every refusal is a plain status.
#include <mcast/share/request_handler.hpp>

#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace http = boost::beast::http;
namespace fs = std::filesystem;
using namespace mcast::share;

namespace {

struct Parsed {
    unsigned status = 0;
    std::string head;
    std::string body;
    std::string header(const std::string& name) const {
        auto at = head.find("\r\n" + name + ": ");
        if (at == std::string::npos) return "";
        at += name.size() + 4;
        return head.substr(at, head.find("\r\n", at) - at);
    }
};

std::string pattern(std::size_t n, char seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
        s[i] = static_cast<char>(seed + static_cast<char>(i % 251));
    return s;
}

void write_file(const fs::path& p, const std::string& data) {
    std::ofstream(p, std::ios::binary) << data;
}

class ShareHandler : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("mcast-share-handler-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir / "outside");
        fs::create_directories(dir / "films/sub");
        fs::create_directories(dir / "private");
        film = pattern(1000, 'a');
        write_file(dir / "films/film.bin", film);
        write_file(dir / "films/sub/clip.bin", "clip");
        write_file(dir / "films/a b%.bin", "spaced");
        write_file(dir / "outside/secret.txt", "SECRET");
        write_file(dir / "private/f.bin", "friends only");
        fs::create_symlink("../outside/secret.txt", dir / "films/escape");
        fs::create_symlink(dir / "outside/secret.txt", dir / "films/abs");
        fs::create_symlink("../outside", dir / "films/dirlink");
        fs::create_symlink("film.bin", dir / "films/inner");
        std::vector<mcast::Share> shares{{"films", dir / "films", false},
                                         {"private", dir / "private", true}};
        std::vector<mcast::CatalogueEntry> entries;
        auto add = [&](std::string share, std::string path, std::uint64_t size, char h) {
            mcast::CatalogueEntry e;
            e.share = std::move(share);
            e.path = std::move(path);
            e.size = size;
            e.manifest.size = size;
            e.manifest.root = *mcast::digest_from_hex(std::string(64, h));
            e.manifest.blocks = {
                mcast::sha256(mcast::ByteView(reinterpret_cast<const std::uint8_t*>("x"), 1)),
                e.manifest.root};
            entries.push_back(std::move(e));
        };
        add("films", "film.bin", film.size(), 'a');
        add("films", "sub/clip.bin", 4, 'b');
        add("films", "a b%.bin", 6, 'c');
        // Listed by a catalogue that was fooled (or raced): still refused at open time.
        add("films", "escape", 6, 'd');
        add("films", "abs", 6, 'e');
        add("films", "dirlink/secret.txt", 6, 'f');
        add("films", "inner", film.size(), '1'); // a link that stays inside: served
        add("private", "f.bin", 12, '2');
        friend_key[0] = 7;
        auto catalogue = std::make_shared<const mcast::Catalogue>(shares, entries);
        files.emplace([catalogue] { return catalogue; },
                      [this](const mcast::PublicKeyBytes& k) { return k == friend_key; });
    }
    void TearDown() override { fs::remove_all(dir); }

    Parsed ask(const std::string& raw, const Peer& peer = {}) {
        http::request_parser<http::empty_body> parser;
        boost::beast::error_code ec;
        parser.put(boost::asio::buffer(raw), ec);
        EXPECT_FALSE(ec) << ec.message() << " in " << raw;
        EXPECT_TRUE(parser.is_header_done());
        auto res = handle_request(parser.get(), peer, *files);
        return serialize(res);
    }
    Parsed get(const std::string& target, const std::string& extra = "") {
        return ask("GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n");
    }

    static Parsed serialize(Response& res) {
        http::response_serializer<RangeBody> sr{res};
        std::string out;
        boost::beast::error_code ec;
        do {
            sr.next(ec, [&](boost::beast::error_code& e, const auto& buffers) {
                e = {};
                for (auto b : boost::beast::buffers_range_ref(buffers))
                    out.append(static_cast<const char*>(b.data()), b.size());
                sr.consume(boost::beast::buffer_bytes(buffers));
            });
        } while (!ec && !sr.is_done());
        EXPECT_FALSE(ec) << ec.message();
        Parsed p;
        auto end = out.find("\r\n\r\n");
        p.head = out.substr(0, end + 2);
        p.body = out.substr(end + 4);
        p.status = static_cast<unsigned>(std::stoi(out.substr(9, 3)));
        return p;
    }

    fs::path dir;
    std::string film;
    std::optional<CatalogueFiles> files;
    mcast::PublicKeyBytes friend_key{};
};

} // namespace

TEST_F(ShareHandler, ServesCatalogueFilesByHashAndByPath) {
    auto a = get("/h/" + std::string(64, 'a'));
    EXPECT_EQ(a.status, 200u);
    EXPECT_EQ(a.body, film);
    EXPECT_EQ(a.header("Content-Length"), "1000");
    EXPECT_EQ(a.header("Accept-Ranges"), "bytes");
    EXPECT_EQ(a.header("ETag"), "\"" + std::string(64, 'a') + "\"");
    EXPECT_EQ(get("/f/films/film.bin").body, film);
    EXPECT_EQ(get("/f/films/sub/clip.bin").body, "clip");
    EXPECT_EQ(get("/f/films/a%20b%25.bin").body, "spaced"); // escapes decoded once
    EXPECT_EQ(get("/f/films/inner").body, film);            // a link inside the share
}

TEST_F(ShareHandler, NothingOutsideTheCatalogueIsReachable) {
    for (std::string target : {
             "/f/films/../outside/secret.txt",
             "/f/films/%2e%2e/outside/secret.txt",
             "/f/films/%2E%2E/outside/secret.txt",
             "/f/films/.%2e/outside/secret.txt",
             "/f/films/sub/..%2f..%2foutside%2fsecret.txt",
             "/f/films/sub%2f..%2f..%2foutside/secret.txt",
             "/f/films/..%5c..%5coutside%5csecret.txt",
             "/f/films/./film.bin",
             "/f/films//film.bin",
             "/f/films/film.bin%00.txt",
             "/f/films/film.bin?x=1",
             "/f/films/%",
             "/f/films/%2",
             "/f/films/%zz",
             "http://x/f/films/film.bin",
             "*",
         }) {
        auto r = get(target);
        EXPECT_EQ(r.status, 400u) << target;
        EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << target;
    }
    for (std::string target : std::vector<std::string>{
             "/etc/passwd",
             "//etc/passwd",
             "/f/films/etc/passwd",
             "/f/films/outside/secret.txt", // not in the catalogue
             "/f/films/escape",             // listed, but a link out (relative)
             "/f/films/abs",                // listed, but a link out (absolute)
             "/f/films/dirlink/secret.txt", // listed, through a directory link out
             "/f/films/sub",                // a folder
             "/f/nosuch/film.bin",
             "/h/" + std::string(64, 'd'), // by hash, an entry that is a link out
             "/h/" + std::string(64, 'A'), // upper case is not how hashes are written
             "/h/" + std::string(63, 'a'),
             "/h/../../etc/passwd",
             "/",
         }) {
        auto r = get(target);
        EXPECT_TRUE(r.status == 404u || r.status == 400u) << target << " " << r.status;
        EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << target;
    }
    EXPECT_EQ(get("/f/films/escape").status, 404u);
    EXPECT_EQ(get("/f/films/abs").status, 404u);
    EXPECT_EQ(get("/f/films/dirlink/secret.txt").status, 404u);
}

TEST_F(ShareHandler, ServesBlockHashesByRoot) {
    auto r = get("/m/" + std::string(64, 'a'));
    EXPECT_EQ(r.status, 200u);
    ASSERT_EQ(r.body.size(), 64u);
    EXPECT_EQ(r.body.substr(32), std::string(32, '\xaa'));
    EXPECT_EQ(get("/m/" + std::string(64, '9')).status, 404u);
    EXPECT_EQ(get("/m/" + std::string(64, '2')).status, 404u); // friends-only, stranger
    auto h = ask("HEAD /m/" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n");
    EXPECT_EQ(h.header("Content-Length"), "64");
    EXPECT_EQ(h.body, "");
}

TEST_F(ShareHandler, FriendsOnlySharesServeFriendsAlone) {
    EXPECT_EQ(get("/f/private/f.bin").status, 404u);
    EXPECT_EQ(get("/h/" + std::string(64, '2')).status, 404u);
    mcast::PublicKeyBytes stranger{};
    stranger[0] = 8;
    EXPECT_EQ(ask("GET /f/private/f.bin HTTP/1.1\r\n\r\n", Peer{stranger, "x"}).status, 404u);
    auto r = ask("GET /f/private/f.bin HTTP/1.1\r\n\r\n", Peer{friend_key, "x"});
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "friends only");
}

TEST_F(ShareHandler, SingleRanges) {
    auto r = get("/f/films/film.bin", "Range: bytes=10-19\r\n");
    EXPECT_EQ(r.status, 206u);
    EXPECT_EQ(r.body, film.substr(10, 10));
    EXPECT_EQ(r.header("Content-Range"), "bytes 10-19/1000");
    EXPECT_EQ(r.header("Content-Length"), "10");

    r = get("/f/films/film.bin", "Range: bytes=990-\r\n");
    EXPECT_EQ(r.body, film.substr(990));
    r = get("/f/films/film.bin", "Range: bytes=-5\r\n");
    EXPECT_EQ(r.body, film.substr(995));
    EXPECT_EQ(r.header("Content-Range"), "bytes 995-999/1000");
    r = get("/f/films/film.bin", "Range: bytes=-5000\r\n"); // more than there is: all of it
    EXPECT_EQ(r.body, film);
    r = get("/f/films/film.bin", "Range: bytes=998-5000\r\n"); // the end clamped
    EXPECT_EQ(r.body, film.substr(998));
    EXPECT_EQ(r.header("Content-Range"), "bytes 998-999/1000");
}

TEST_F(ShareHandler, BadRangesAreRefused) {
    for (std::string range : {"bytes=1000-", "bytes=5000-6000", "bytes=20-10", "bytes=-0",
                              "bytes=0-1,5-6", "items=0-1"}) {
        auto r = get("/f/films/film.bin", "Range: " + range + "\r\n");
        EXPECT_EQ(r.status, 416u) << range;
        EXPECT_EQ(r.header("Content-Range"), "bytes */1000") << range;
    }
    for (std::string range :
         {"bytes", "bytes=", "bytes=a-b", "bytes=1-2-3", "bytes=-", "bytes=0x10-20",
          "bytes=99999999999999999999-", "=0-1", "bytes=1-2,", "bytes=+1-2"}) {
        auto r = get("/f/films/film.bin", "Range: " + range + "\r\n");
        EXPECT_EQ(r.status, 400u) << range;
        EXPECT_EQ(r.body.find(film.substr(0, 20)), std::string::npos) << range;
    }
}

TEST_F(ShareHandler, HeadAndMethods) {
    auto h = ask("HEAD /f/films/film.bin HTTP/1.1\r\nRange: bytes=0-9\r\n\r\n");
    EXPECT_EQ(h.status, 206u);
    EXPECT_EQ(h.header("Content-Length"), "10");
    EXPECT_EQ(h.body, "");
    for (std::string method : {"POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"}) {
        auto r = ask(method + " /f/films/film.bin HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        EXPECT_EQ(r.status, 405u) << method;
        EXPECT_EQ(r.header("Allow"), "GET, HEAD");
    }
}

TEST_F(ShareHandler, KeepAliveFollowsTheRequest) {
    EXPECT_EQ(
        ask("GET /f/films/sub/clip.bin HTTP/1.1\r\nConnection: close\r\n\r\n").header("Connection"),
        "close");
    EXPECT_EQ(ask("GET /f/films/sub/clip.bin HTTP/1.1\r\n\r\n").header("Connection"), "");
    EXPECT_EQ(ask("GET /f/films/sub/clip.bin HTTP/1.0\r\n\r\n").header("Connection"), "");
}

TEST(ShareRange, ParseRange) {
    auto ok = [](std::string_view v, std::uint64_t size) {
        auto r = parse_range(v, size);
        return std::holds_alternative<ByteRange>(r) ? std::get<ByteRange>(r) : ByteRange{9, 9};
    };
    EXPECT_EQ(ok("bytes=0-0", 10), (ByteRange{0, 0}));
    EXPECT_EQ(ok(" bytes = 2 - 4 ", 10), (ByteRange{2, 4}));
    EXPECT_EQ(ok("BYTES=2-", 10), (ByteRange{2, 9}));
    EXPECT_EQ(ok("bytes=-1", 10), (ByteRange{9, 9}));
    EXPECT_EQ(ok("bytes=0-18446744073709551615", 10), (ByteRange{0, 9}));
    auto err = [](std::string_view v, std::uint64_t size) {
        auto r = parse_range(v, size);
        return std::holds_alternative<RangeError>(r) ? std::get<RangeError>(r)
                                                     : static_cast<RangeError>(99);
    };
    EXPECT_EQ(err("bytes=0-", 0), RangeError::unsatisfiable); // nothing to give
    EXPECT_EQ(err("bytes=-1", 0), RangeError::unsatisfiable);
    EXPECT_EQ(err("bytes=18446744073709551616-", 10), RangeError::malformed);
}
