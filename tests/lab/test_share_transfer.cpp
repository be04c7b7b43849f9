// The transfer layer over real TLS connections, inside a network namespace of this test's own
// (unshare(CLONE_NEWNET) at start: only its loopback exists, so no byte can leave the machine;
// TCP unicast only). Skipped, not passed, where the namespace cannot be made.
//   - the handshake: each side's certificate carries its mcast key; a client that expects another
//     key, or shows no certificate, or speaks only TLS 1.2, gets nothing;
//   - raw requests over TLS: traversal and symlink escapes refused, malformed requests 400,
//     connections past the per-peer bound 503;
//   - fetching: from two holders at once, verified; a holder serving a different file under the
//     hash reported and the block refetched from the other; a vanished holder; an interrupted
//     fetch resumed, counting bytes; an answer that breaks off keeps every whole block before
//     the break; disk full (a small tmpfs in a mount namespace of its own).
#include <mcast/share/fetcher.hpp>
#include <mcast/share/https_server.hpp>
#include <mcast/share/stream_proxy.hpp>
#include <mcast/share/tls.hpp>

#include "transfer/block_map.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <fstream>
#include <net/if.h>
#include <random>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::ip::tcp;
using namespace mcast::share;
using namespace std::chrono_literals;

namespace {

std::optional<std::string> private_net_failure;

// A network namespace of our own with its loopback up.
std::optional<std::string> enter_private_net() {
    if (::unshare(CLONE_NEWNET) != 0)
        return std::string("cannot make a network namespace: ") + std::strerror(errno);
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = s >= 0 && ::ioctl(s, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ok && ::ioctl(s, SIOCSIFFLAGS, &ifr) == 0;
    if (s >= 0) ::close(s);
    if (!ok) return std::string("cannot bring lo up: ") + std::strerror(errno);
    return std::nullopt;
}

#define NEED_PRIVATE_NET()                                                                         \
    do {                                                                                           \
        if (private_net_failure) GTEST_SKIP() << *private_net_failure;                             \
    } while (0)

// A fresh node key in a key file of its own, loaded for TLS (as the CLI loads --identity).
TlsKey new_key() {
    static int n = 0;
    auto file = fs::temp_directory_path() / ("mcast-share-keys-" + std::to_string(::getpid())) /
                (std::to_string(++n) + ".pem");
    mcast::Identity::generate().save(file);
    auto key = TlsKey::load(file);
    std::error_code ec;
    fs::remove(file, ec);
    fs::remove(file.parent_path(), ec); // once empty
    return key;
}

std::string pattern(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

std::string read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The manifest of `data` in blocks of `block_size` (the block tree's root over them).
mcast::Manifest manifest_of(const std::string& data, std::uint32_t block_size) {
    mcast::Manifest m;
    m.size = data.size();
    m.block_size = block_size;
    for (std::uint64_t off = 0; off < data.size(); off += block_size) {
        auto n = std::min<std::uint64_t>(block_size, data.size() - off);
        m.blocks.push_back(mcast::sha256(
            mcast::ByteView(reinterpret_cast<const std::uint8_t*>(data.data()) + off, n)));
    }
    m.root = mcast::tree_root(m.size, m.block_size, m.blocks);
    return m;
}

// A node serving one folder on 127.0.0.1 from a thread of its own.
// Shares and entries are set up before start(); the server's thread only reads them.
struct Node {
    TlsKey id = new_key();
    std::vector<mcast::Share> shares;
    std::vector<mcast::CatalogueEntry> entries;
    std::shared_ptr<const mcast::Catalogue> catalogue = std::make_shared<mcast::Catalogue>();
    std::vector<mcast::PublicKeyBytes> friends;
    CatalogueFiles files{[this] { return catalogue; },
                         [this](const mcast::PublicKeyBytes& k) {
                             return std::find(friends.begin(), friends.end(), k) != friends.end();
                         }};
    asio::io_context io;
    std::optional<HttpsServer> server;
    std::thread thread;

    Node(const fs::path& folder, ServerLimits limits = {}) {
        shares.push_back({"s", folder, false});
        server.emplace(io, id, files, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                       limits);
    }
    void add(const std::string& path, const mcast::Manifest& m, const std::string& share = "s") {
        mcast::CatalogueEntry e;
        e.share = share;
        e.path = path;
        e.size = m.size;
        e.manifest = m;
        entries.push_back(e);
        catalogue = std::make_shared<mcast::Catalogue>(shares, entries);
    }
    void start() {
        thread = std::thread([this] { io.run(); });
    }
    ~Node() {
        asio::post(io, [this] { server->stop(); });
        io.stop();
        if (thread.joinable()) thread.join();
    }
    std::uint16_t port() const { return server->local_endpoint().port(); }
    Holder holder(std::string name) const {
        return {tcp::endpoint(asio::ip::make_address("127.0.0.1"), port()), id.id(),
                std::move(name)};
    }
};

class ShareTransfer : public ::testing::Test {
protected:
    void SetUp() override {
        NEED_PRIVATE_NET();
        dir = fs::temp_directory_path() /
              ("mcast-share-transfer-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir / "a");
        fs::create_directories(dir / "b");
        fs::create_directories(dir / "out");
        fs::create_directories(dir / "outside");
        std::ofstream(dir / "outside/secret.txt") << "SECRET";
    }
    void TearDown() override {
        if (!dir.empty()) fs::remove_all(dir);
    }
    void put(const std::string& where, const std::string& data) {
        std::ofstream(dir / where, std::ios::binary) << data;
    }
    fs::path dir;
};

// A raw TLS client: the given key as client certificate (or none), the server's key expected.
struct RawClient {
    asio::io_context io;
    asio::ssl::context ctx;
    asio::ssl::stream<tcp::socket> stream;
    boost::system::error_code handshake_error;

    RawClient(const TlsKey& self, const mcast::PublicKeyBytes& server_key, std::uint16_t port)
        : ctx(make_client_context(self)), stream(io, ctx) {
        stream.set_verify_callback(expect_server_key(server_key));
        connect(port);
    }
    explicit RawClient(asio::ssl::context c, std::uint16_t port)
        : ctx(std::move(c)), stream(io, ctx) {
        connect(port);
    }
    void connect(std::uint16_t port) {
        stream.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        stream.handshake(asio::ssl::stream_base::client, handshake_error);
        if (!handshake_error) {
            // TLS 1.3: the server checks the client certificate after the client's Finished;
            // a refusal shows up at the first read.
        }
    }
    // Sends raw bytes and reads everything until the server closes (or a Connection: close
    // response ends).
    std::string exchange(const std::string& raw) {
        boost::system::error_code ec;
        asio::write(stream, asio::buffer(raw), ec);
        std::string out;
        char buf[4096];
        while (true) {
            auto n = stream.read_some(asio::buffer(buf), ec);
            out.append(buf, n);
            if (ec) break;
        }
        return out;
    }
};

} // namespace

TEST_F(ShareTransfer, HandshakeChecksBothKeys) {
    NEED_PRIVATE_NET();
    put("a/f.bin", "hello");
    Node node(dir / "a");
    // Friends-only, so that an answer proves the server saw the client's key.
    auto client = new_key();
    node.shares.push_back({"fo", dir / "a", true});
    node.friends = {client.public_key()};
    node.add("f.bin", manifest_of("hello", 128 * 1024), "fo");
    node.start();

    {
        RawClient c(client, node.id.public_key(), node.port());
        ASSERT_FALSE(c.handshake_error) << c.handshake_error.message();
        auto r = c.exchange("GET /f/fo/f.bin HTTP/1.1\r\nConnection: close\r\n\r\n");
        EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
        EXPECT_NE(r.find("\r\n\r\nhello"), std::string::npos) << r;
    }
    {
        auto stranger = new_key();
        RawClient c(stranger, node.id.public_key(), node.port());
        ASSERT_FALSE(c.handshake_error);
        EXPECT_NE(c.exchange("GET /f/fo/f.bin HTTP/1.1\r\nConnection: close\r\n\r\n")
                      .find("404 Not Found"),
                  std::string::npos);
        EXPECT_NE(c.exchange("").size(), 1u); // the connection is over
    }
    {
        // Expecting another key than the server's: the client refuses the handshake.
        auto other = new_key();
        RawClient c(client, other.public_key(), node.port());
        EXPECT_TRUE(c.handshake_error);
    }
    {
        // No client certificate: the server refuses (seen at the first read under TLS 1.3).
        asio::ssl::context bare(asio::ssl::context::tls_client);
        bare.set_verify_mode(asio::ssl::verify_none);
        RawClient c(std::move(bare), node.port());
        std::string r;
        if (!c.handshake_error) r = c.exchange("GET /f/s/f.bin HTTP/1.1\r\n\r\n");
        EXPECT_EQ(r.find("hello"), std::string::npos) << r;
        EXPECT_EQ(r.find("HTTP/1.1"), std::string::npos) << r;
    }
    {
        // TLS 1.2 only: no handshake.
        asio::ssl::context old(asio::ssl::context::tls_client);
        SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_2_VERSION);
        old.set_verify_mode(asio::ssl::verify_none);
        RawClient c(std::move(old), node.port());
        EXPECT_TRUE(c.handshake_error);
    }
}

TEST_F(ShareTransfer, RawRequestsOverTls) {
    NEED_PRIVATE_NET();
    put("a/f.bin", "hello");
    fs::create_symlink("../outside/secret.txt", dir / "a/link");
    Node node(dir / "a");
    node.add("f.bin", manifest_of("hello", 128 * 1024));
    node.add("link",
             manifest_of("SECRET", 128 * 1024)); // a catalogue fooled into listing a link out
    node.start();
    auto client = new_key();
    auto ask = [&](const std::string& raw) {
        RawClient c(client, node.id.public_key(), node.port());
        EXPECT_FALSE(c.handshake_error);
        return c.exchange(raw);
    };
    auto status_of = [](const std::string& r) { return r.substr(0, 12); };
    EXPECT_EQ(status_of(ask("GET /f/s/f.bin HTTP/1.1\r\nConnection: close\r\n\r\n")),
              "HTTP/1.1 200");
    for (std::string target : {"/f/s/../../outside/secret.txt", "/f/s/%2e%2e/outside/secret.txt",
                               "/f/s/..%2foutside%2fsecret.txt", "/f/s/%2E%2E%2Foutside"}) {
        auto r = ask("GET " + target + " HTTP/1.1\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(status_of(r), "HTTP/1.1 400") << target;
        EXPECT_EQ(r.find("SECRET"), std::string::npos);
    }
    for (std::string target : {"/f/s/link", "/etc/passwd", "/f/s/outside/secret.txt"}) {
        auto r = ask("GET " + target + " HTTP/1.1\r\nConnection: close\r\n\r\n");
        EXPECT_EQ(status_of(r), "HTTP/1.1 404") << target;
        EXPECT_EQ(r.find("SECRET"), std::string::npos);
    }
    EXPECT_EQ(status_of(ask("GARBAGE\r\n\r\n")), "HTTP/1.1 400");
    EXPECT_EQ(status_of(ask("GET /f/s/f.bin HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello")),
              "HTTP/1.1 400"); // a body where none belongs
    EXPECT_EQ(
        status_of(ask("GET /f/s/f.bin HTTP/1.1\r\nX: " + std::string(9000, 'x') + "\r\n\r\n")),
        "HTTP/1.1 431");
    EXPECT_EQ(status_of(ask("GET /f/s/f.bin HTTP/1.1\r\nRange: bytes=9-\r\n"
                            "Connection: close\r\n\r\n")),
              "HTTP/1.1 416");
    // Keep-alive: two requests on one connection.
    auto two = ask("GET /f/s/f.bin HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n"
                   "GET /f/s/f.bin HTTP/1.1\r\nRange: bytes=3-4\r\nConnection: close\r\n\r\n");
    EXPECT_NE(two.find("\r\n\r\nhe"), std::string::npos) << two;
    EXPECT_NE(two.find("\r\n\r\nlo"), std::string::npos) << two;
}

TEST_F(ShareTransfer, ConnectionsPastThePerPeerBoundGet503) {
    NEED_PRIVATE_NET();
    put("a/f.bin", "hello");
    ServerLimits limits;
    limits.connections_per_peer = 2;
    limits.connections = 3;
    Node node(dir / "a", limits);
    node.add("f.bin", manifest_of("hello", 128 * 1024));
    node.start();
    auto client = new_key();
    std::vector<std::unique_ptr<RawClient>> held;
    for (int i = 0; i < 2; ++i) {
        held.push_back(std::make_unique<RawClient>(client, node.id.public_key(), node.port()));
        ASSERT_FALSE(held.back()->handshake_error);
        // A first request makes sure the server has taken the slot.
        boost::system::error_code ec;
        asio::write(held.back()->stream,
                    asio::buffer(std::string("HEAD /f/s/f.bin HTTP/1.1\r\n\r\n")), ec);
        char buf[512];
        held.back()->stream.read_some(asio::buffer(buf), ec);
        ASSERT_FALSE(ec);
    }
    RawClient third(client, node.id.public_key(), node.port());
    auto r = third.exchange("GET /f/s/f.bin HTTP/1.1\r\n\r\n");
    EXPECT_EQ(r.substr(0, 12), "HTTP/1.1 503") << r;
    EXPECT_NE(r.find("Retry-After: 1"), std::string::npos);
    // Another peer still gets in (per-peer bound), until the total is reached.
    auto other = new_key();
    RawClient fourth(other, node.id.public_key(), node.port());
    auto ok = fourth.exchange("GET /f/s/f.bin HTTP/1.1\r\nConnection: close\r\n\r\n");
    EXPECT_EQ(ok.substr(0, 12), "HTTP/1.1 200") << ok;
    held.clear(); // slots come back
    std::this_thread::sleep_for(200ms);
    RawClient fifth(client, node.id.public_key(), node.port());
    EXPECT_EQ(fifth.exchange("GET /f/s/f.bin HTTP/1.1\r\nConnection: close\r\n\r\n").substr(0, 12),
              "HTTP/1.1 200");
}

TEST_F(ShareTransfer, FetchFromTwoHoldersVerified) {
    NEED_PRIVATE_NET();
    auto data = pattern(24 * 1024 * 1024 + 12345, 1);
    auto m = manifest_of(data, 128 * 1024);
    put("a/big.bin", data);
    put("b/copy.bin", data);
    Node a(dir / "a"), b(dir / "b");
    a.add("big.bin", m);
    b.add("copy.bin", m);
    a.start();
    b.start();
    auto self = new_key();
    FetchOptions o;
    o.output = dir / "out/big.bin";
    o.max_span_bytes = 1024 * 1024;
    auto r = fetch_file(self, m, {a.holder("a"), b.holder("b")}, o);
    EXPECT_EQ(read_all(o.output), data);
    EXPECT_FALSE(fs::exists(Fetcher::part_path(o.output)));
    EXPECT_FALSE(fs::exists(Fetcher::sidecar_path(o.output)));
    EXPECT_EQ(r.progress.transferred_bytes, data.size());
    EXPECT_EQ(r.progress.verified_bytes, data.size());
    EXPECT_TRUE(r.bad_holders.empty());
    // Both holders served a part.
    auto sa = a.server->counters().bytes_sent, sb = b.server->counters().bytes_sent;
    EXPECT_GT(sa, data.size() / 8) << sa << " " << sb;
    EXPECT_GT(sb, data.size() / 8) << sa << " " << sb;
    // The output exists now: a second fetch refuses to replace it.
    EXPECT_THROW(fetch_file(self, m, {a.holder("a")}, o), FetchError);
}

TEST_F(ShareTransfer, BadHolderIsReportedAndItsBlockRefetched) {
    NEED_PRIVATE_NET();
    auto data = pattern(4 * 1024 * 1024, 2);
    auto m = manifest_of(data, 128 * 1024);
    auto changed = data; // a file changed after hashing: every block differs
    for (std::size_t off = 17; off < changed.size(); off += 128 * 1024)
        changed[off] ^= 1;
    put("a/f.bin", changed);
    put("b/f.bin", data);
    Node bad(dir / "a"), good(dir / "b");
    bad.add("f.bin", m);
    good.add("f.bin", m);
    bad.start();
    good.start();
    FetchOptions o;
    o.output = dir / "out/f.bin";
    o.max_span_bytes = 8 * 128 * 1024;
    std::vector<BadBlock> bads;
    auto r = fetch_file(new_key(), m, {bad.holder("bad"), good.holder("good")}, o,
                        [&](const FetchEvent& e) {
                            if (auto* b = std::get_if<BadBlock>(&e)) bads.push_back(*b);
                        });
    EXPECT_EQ(read_all(o.output), data);
    ASSERT_EQ(r.bad_holders, std::vector<std::size_t>{0});
    ASSERT_EQ(bads.size(), 1u); // once found out, never asked again
    EXPECT_EQ(bads[0].holder, 0u);
}

TEST_F(ShareTransfer, OnlyABadHolderIsAnErrorThatKeepsTheVerifiedPart) {
    NEED_PRIVATE_NET();
    auto data = pattern(1024 * 1024, 3);
    auto m = manifest_of(data, 128 * 1024);
    auto changed = data;
    changed[5 * 128 * 1024] ^= 1;
    put("a/f.bin", changed);
    Node bad(dir / "a");
    bad.add("f.bin", m);
    bad.start();
    FetchOptions o;
    o.output = dir / "out/f.bin";
    o.max_span_bytes = 128 * 1024;
    try {
        fetch_file(new_key(), m, {bad.holder("bad")}, o);
        FAIL() << "fetched a file that does not match";
    } catch (const FetchError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("does not match its hash"), std::string::npos) << what;
        EXPECT_NE(what.find("5 of 8 blocks verified and kept"), std::string::npos) << what;
        EXPECT_EQ(what.find('\n'), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(o.output));
    auto part = read_all(Fetcher::part_path(o.output));
    EXPECT_EQ(part.substr(0, 5 * 128 * 1024), data.substr(0, 5 * 128 * 1024));
    EXPECT_TRUE(fs::exists(Fetcher::sidecar_path(o.output)));
}

TEST_F(ShareTransfer, BlocksThatArrivedWholeAreKeptWhenTheAnswerBreaksOff) {
    // The holder's file is shorter than its catalogue says: the answer to the one 1 MiB span
    // breaks off in block 7, after 7 whole blocks. Each of them was checked and written while
    // the next came in; all 7 are kept and recorded, none dropped with the failure.
    NEED_PRIVATE_NET();
    const std::uint32_t bs = 128 * 1024;
    auto data = pattern(8 * bs, 6);
    auto m = manifest_of(data, bs);
    put("a/f.bin", data.substr(0, 7 * bs + 1000));
    Node a(dir / "a");
    a.add("f.bin", m);
    a.start();
    FetchOptions o;
    o.output = dir / "out/f.bin";
    o.max_span_bytes = 8 * bs;
    try {
        fetch_file(new_key(), m, {a.holder("short")}, o);
        FAIL() << "fetched a file its holder does not have whole";
    } catch (const FetchError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("7 of 8 blocks verified and kept"), std::string::npos) << what;
    }
    EXPECT_FALSE(fs::exists(o.output));
    EXPECT_EQ(read_all(Fetcher::part_path(o.output)).substr(0, 7 * bs), data.substr(0, 7 * bs));
}

TEST_F(ShareTransfer, WrongKeyOrVanishedHolder) {
    NEED_PRIVATE_NET();
    auto data = pattern(2 * 1024 * 1024, 4);
    auto m = manifest_of(data, 128 * 1024);
    put("a/f.bin", data);
    Node a(dir / "a");
    a.add("f.bin", m);
    a.start();
    auto impostor = a.holder("impostor");
    impostor.node = new_key().id();
    // A port nobody listens on: a holder that vanished.
    tcp::acceptor gone_acceptor(a.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    Holder vanished{gone_acceptor.local_endpoint(), a.id.id(), "vanished"};
    gone_acceptor.close();
    FetchOptions o;
    o.output = dir / "out/f.bin";
    std::vector<std::string> gone;
    fetch_file(new_key(), m, {impostor, vanished, a.holder("a")}, o, [&](const FetchEvent& e) {
        if (auto* g = std::get_if<HolderGone>(&e)) gone.push_back(g->reason);
    });
    EXPECT_EQ(read_all(o.output), data);
    ASSERT_EQ(gone.size(), 2u);

    fs::remove(o.output);
    try {
        fetch_file(new_key(), m, {impostor, vanished}, o);
        FAIL();
    } catch (const FetchError& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("no holder left"), std::string::npos) << what;
        EXPECT_NE(what.find("another key"), std::string::npos) << what;
        EXPECT_NE(what.find("0 of 16 blocks verified and kept"), std::string::npos) << what;
    }
}

TEST_F(ShareTransfer, InterruptedFetchResumesWithOnlyWhatIsMissing) {
    NEED_PRIVATE_NET();
    auto data = pattern(16 * 1024 * 1024, 5);
    const std::uint32_t bs = 128 * 1024;
    auto m = manifest_of(data, bs);
    put("a/f.bin", data);
    Node a(dir / "a");
    a.add("f.bin", m);
    a.start();
    auto self = new_key();
    FetchOptions o;
    o.output = dir / "out/f.bin";
    o.max_span_bytes = bs;
    o.checkpoint_interval = 0ms; // the sidecar after every block
    std::uint64_t first_run = 0;
    {
        asio::io_context io;
        Fetcher f(io, self, m, {a.holder("a")}, o);
        std::optional<FetchError> err;
        f.start(
            [&](const FetchEvent& e) {
                if (auto* p = std::get_if<FetchProgress>(&e);
                    p && p->verified_bytes >= data.size() / 2)
                    f.cancel();
            },
            [&](const FetchResult& r, std::optional<FetchError> e) {
                first_run = r.progress.transferred_bytes;
                err = std::move(e);
            });
        io.run();
        ASSERT_TRUE(err);
        EXPECT_NE(std::string(err->what()).find("interrupted"), std::string::npos);
    }
    EXPECT_FALSE(fs::exists(o.output));
    auto sidecar = read_all(Fetcher::sidecar_path(o.output));
    ASSERT_FALSE(sidecar.empty());
    auto r = fetch_file(self, m, {a.holder("a")}, o);
    EXPECT_EQ(read_all(o.output), data);
    EXPECT_GE(first_run, data.size() / 2);
    // The second run fetched exactly what the first had not verified.
    EXPECT_EQ(r.progress.resumed_bytes + r.progress.transferred_bytes, data.size());
    EXPECT_LE(first_run + r.progress.transferred_bytes, data.size() + bs) << first_run;
}

TEST_F(ShareTransfer, DiskFullIsOneLineAndKeepsTheVerifiedPart) {
    NEED_PRIVATE_NET();
    auto data = pattern(6 * 1024 * 1024, 6);
    auto m = manifest_of(data, 256 * 1024);
    put("a/f.bin", data);
    Node a(dir / "a");
    a.add("f.bin", m);
    a.start();
    // A 2 MiB tmpfs, in a mount namespace of this thread's own.
    std::string error, small = (dir / "small").string();
    std::size_t recorded = 0;
    fs::create_directories(small);
    std::thread t([&] {
        if (::unshare(CLONE_NEWNS) != 0 ||
            ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m") != 0) {
            error = std::string("no tmpfs: ") + std::strerror(errno);
            return;
        }
        FetchOptions o;
        o.output = fs::path(small) / "f.bin";
        o.max_span_bytes = 256 * 1024;
        o.checkpoint_interval = 0ms; // every verified block recorded before the disk fills
        try {
            fetch_file(new_key(), m, {a.holder("a")}, o);
            error = "fetched 6 MiB into 2 MiB";
        } catch (const FetchError& e) {
            error = e.what();
        }
        auto part = read_all(Fetcher::part_path(o.output));
        auto map = BlockMap::decode(read_all(Fetcher::sidecar_path(o.output)), m);
        if (!map || map->count() == 0) {
            error += " [no sidecar]";
        } else {
            recorded = map->count();
            for (std::size_t b = 0; b < m.blocks.size(); ++b)
                if (map->has(b) && part.substr(m.block_offset(b), m.block_length(b)) !=
                                       data.substr(m.block_offset(b), m.block_length(b)))
                    error += " [part differs]";
        }
        ::umount2(small.c_str(), MNT_DETACH);
    });
    t.join();
    if (error.rfind("no tmpfs", 0) == 0) GTEST_SKIP() << error;
    EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
    EXPECT_NE(error.find("blocks verified and kept"), std::string::npos) << error;
    EXPECT_EQ(error.find("[part differs]"), std::string::npos) << error;
    EXPECT_EQ(error.find("[no sidecar]"), std::string::npos) << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
    EXPECT_NE(error.find(std::to_string(recorded) + " of 24 blocks verified and kept"),
              std::string::npos)
        << error;
}

// Output of a command run through the shell (curl), or nullopt when it failed.
std::optional<std::string> run_capture(const std::string& command) {
    std::unique_ptr<FILE, decltype(&::pclose)> p(::popen(command.c_str(), "r"), &::pclose);
    if (!p) return std::nullopt;
    std::string out;
    char buf[65536];
    while (auto n = std::fread(buf, 1, sizeof buf, p.get()))
        out.append(buf, n);
    if (::pclose(p.release()) != 0) return std::nullopt;
    return out;
}

TEST_F(ShareTransfer, StreamServesRangesToCurlByteForByte) {
    NEED_PRIVATE_NET();
    if (!run_capture("curl --version >/dev/null 2>&1")) GTEST_SKIP() << "no curl";
    auto data = pattern(6 * 1024 * 1024 + 333, 7);
    auto m = manifest_of(data, 128 * 1024);
    put("a/f.bin", data);
    Node a(dir / "a");
    a.add("f.bin", m);
    a.start();
    asio::io_context io;
    FetchOptions o;
    o.output = dir / "out/s.bin";
    o.max_span_bytes = 128 * 1024;
    Fetcher f(io, new_key(), m, {a.holder("a")}, o);
    std::optional<StreamProxy> proxy;
    std::optional<std::string> failure;
    bool done = false;
    f.start(
        [&](const FetchEvent& e) {
            if (std::holds_alternative<FetchProgress>(e) && proxy) proxy->notify();
        },
        [&](const FetchResult&, std::optional<FetchError> e) {
            done = true;
            if (e) failure = e->what();
            if (proxy) e ? proxy->fail() : proxy->notify();
        });
    proxy.emplace(io, f, o.output.string());
    auto url = proxy->url();
    std::thread t([&] { io.run(); });

    // A range in the middle first (the player seeks), then random ones, suffixes, open ends.
    std::vector<std::pair<std::string, std::string>> asks{
        {"3000000-3300000", data.substr(3000000, 300001)},
        {"-1000", data.substr(data.size() - 1000)},
        {"6291000-", data.substr(6291000)},
        {"0-0", data.substr(0, 1)},
    };
    std::mt19937_64 rng(42);
    for (int i = 0; i < 12; ++i) {
        auto x = rng() % data.size(), y = rng() % data.size();
        if (x > y) std::swap(x, y);
        asks.push_back({std::to_string(x) + "-" + std::to_string(y), data.substr(x, y - x + 1)});
    }
    for (const auto& [range, want] : asks) {
        auto got = run_capture("curl -sf -r " + range + " " + url);
        ASSERT_TRUE(got) << range;
        EXPECT_TRUE(*got == want) << range << ": " << got->size() << " bytes, " << want.size()
                                  << " expected";
    }
    auto whole = run_capture("curl -sf " + url);
    ASSERT_TRUE(whole);
    EXPECT_TRUE(*whole == data);
    auto head = run_capture("curl -sfI -r 10-19 " + url);
    ASSERT_TRUE(head);
    EXPECT_NE(head->find("Content-Range: bytes 10-19/" + std::to_string(data.size())),
              std::string::npos)
        << *head;
    EXPECT_FALSE(run_capture("curl -sf -r 99999999- " + url)); // 416
    asio::post(io, [&] { proxy->stop(); });
    t.join();
    EXPECT_TRUE(done);
    EXPECT_FALSE(failure) << *failure;
    EXPECT_EQ(read_all(o.output), data);
}

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    private_net_failure = enter_private_net();
    return RUN_ALL_TESTS();
}
