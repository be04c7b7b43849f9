// Identity and key file rules: created 0600 and readable by `openssl pkey`, refused when too
// open, corrupt or of the wrong type, never silently replaced.
#include <mcast/identity.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace mcast;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/mcast-test-XXXXXX";
        path_ = ::mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

unsigned mode_of(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 0777;
}

std::string error_of(const fs::path& p) {
    try {
        Identity::load(p);
    } catch (const IdentityError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST(Identity, SignAndVerify) {
    auto id = Identity::generate();
    ByteBuffer msg{1, 2, 3};
    auto sig = id.sign(msg);
    Verifier v(id.public_key());
    EXPECT_TRUE(v.verify(msg, sig.data()));
    msg[0] ^= 1;
    EXPECT_FALSE(v.verify(msg, sig.data()));
}

TEST(Identity, InvalidPublicKeyNeverVerifies) {
    PublicKeyBytes junk{};
    junk.fill(0xff);
    Verifier v(junk);
    Signature sig{};
    EXPECT_FALSE(v.verify(ByteBuffer{1}, sig.data()));
}

TEST(Identity, NodeIdIsSha256OfPublicKey) {
    // RFC 8032 test 1: secret key 9d61..., public key d75a98...
    auto seed = from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    std::array<std::uint8_t, 32> s{};
    std::copy(seed->begin(), seed->end(), s.begin());
    auto id = Identity::from_seed(s);
    EXPECT_EQ(to_hex(id.public_key()),
              "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    EXPECT_EQ(id.id().full().size(), 64u);
    EXPECT_EQ(id.id().short_form(), id.id().full().substr(0, 12));
    EXPECT_TRUE(id.id().matches_prefix(id.id().full().substr(0, 5)));
    EXPECT_FALSE(id.id().matches_prefix(""));
    EXPECT_FALSE(id.id().matches_prefix("zz"));
}

TEST(IdentityFile, CreatedWithMode0600AndReadableByOpenssl) {
    TempDir dir;
    auto file = dir.path() / "sub" / "identity.pem";
    bool created = false;
    auto id = Identity::load_or_create(file, &created);
    EXPECT_TRUE(created);
    EXPECT_EQ(mode_of(file), 0600u);
    EXPECT_EQ(mode_of(file.parent_path()), 0700u);
    auto again = Identity::load_or_create(file, &created);
    EXPECT_FALSE(created);
    EXPECT_EQ(again.public_key(), id.public_key());
    std::string cmd = "openssl pkey -in '" + file.string() + "' -noout 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
}

TEST(IdentityFile, RefusesGroupOrOtherAccess) {
    TempDir dir;
    auto file = dir.path() / "id.pem";
    Identity::generate().save(file);
    ::chmod(file.c_str(), 0640);
    auto e = error_of(file);
    EXPECT_NE(e.find("accessible by others (mode 0640)"), std::string::npos) << e;
    EXPECT_NE(e.find("chmod 600"), std::string::npos) << e;
}

TEST(IdentityFile, MissingCorruptAndWrongType) {
    TempDir dir;
    EXPECT_NE(error_of(dir.path() / "nope.pem").find("No such file"), std::string::npos);
    auto corrupt = dir.path() / "corrupt.pem";
    std::ofstream(corrupt)
        << "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n";
    ::chmod(corrupt.c_str(), 0600);
    EXPECT_NE(error_of(corrupt).find("not a PEM private key"), std::string::npos);
    auto rsa = dir.path() / "rsa.pem";
    std::string cmd = "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '" +
                      rsa.string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    ::chmod(rsa.c_str(), 0600);
    EXPECT_NE(error_of(rsa).find("not an Ed25519 key"), std::string::npos);
}

TEST(IdentityFile, NeverReplacedWithoutAskingAndOldKeyKept) {
    TempDir dir;
    auto file = dir.path() / "id.pem";
    auto first = Identity::generate();
    first.save(file);
    auto second = Identity::generate();
    EXPECT_THROW(second.save(file), IdentityError);
    EXPECT_EQ(Identity::load(file).public_key(), first.public_key());
    second.save(file, true);
    EXPECT_EQ(Identity::load(file).public_key(), second.public_key());
    auto old = file;
    old += ".old";
    EXPECT_EQ(Identity::load(old).public_key(), first.public_key());
    // No temporary files left behind.
    int entries = 0;
    for ([[maybe_unused]] auto& e : fs::directory_iterator(dir.path()))
        ++entries;
    EXPECT_EQ(entries, 2);
}

TEST(IdentityFile, DefaultPathFollowsEnvironment) {
    ::setenv("MCAST_IDENTITY", "/x/key.pem", 1);
    EXPECT_EQ(default_identity_path(), fs::path("/x/key.pem"));
    ::unsetenv("MCAST_IDENTITY");
    ::setenv("XDG_CONFIG_HOME", "/cfg", 1);
    EXPECT_EQ(default_identity_path(), fs::path("/cfg/mcast/identity.pem"));
    ::unsetenv("XDG_CONFIG_HOME");
    ::setenv("HOME", "/home/u", 1);
    EXPECT_EQ(default_identity_path(), fs::path("/home/u/.config/mcast/identity.pem"));
}
