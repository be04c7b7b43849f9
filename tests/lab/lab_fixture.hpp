// The fixture every lab test shares: a lab of N hosts, one key file per host (made outside the
// lab: key creation touches no network), and helpers to read JSON Lines records.
#pragma once

#include "lab_harness.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <regex>

namespace mcast::testlab {

class LabTest : public ::testing::Test {
protected:
    // Call from SetUp() of the derived fixture.
    // create_options go to `netlab create` ({"--routed"}: two LANs and a multicast router).
    void make_lab(int hosts, const std::string& prefix,
                  std::vector<std::string> create_options = {}) {
        if (auto why = lab_unavailable_reason()) GTEST_SKIP() << "no lab: " << *why;
        char tmpl[] = "/tmp/mcast-lab-XXXXXX";
        dir_ = ::mkdtemp(tmpl);
        // Config (the trust store) of this test's own, inherited by every process it starts.
        ::setenv("XDG_CONFIG_HOME", (dir_ / "config").c_str(), 1);
        ::unsetenv("MCAST_IDENTITY");
        lab_ = std::make_unique<Lab>(hosts, prefix, std::move(create_options));
        for (int h = 1; h <= hosts; ++h) {
            auto r = run_command({Paths::mcast(), "id", "--new", "--json", "--identity", key(h)});
            ASSERT_EQ(r.code, 0) << r.err;
            ids_[h] = std::string(boost::json::parse(r.out).at("id").as_string());
        }
    }
    void TearDown() override {
        lab_.reset();
        if (!dir_.empty()) std::filesystem::remove_all(dir_);
    }

    std::string key(int host) const {
        return (dir_ / ("h" + std::to_string(host) + ".pem")).string();
    }

    // A resident node (`announce -v`) named `name` on `host`, with the key of `key_host` (default:
    // the host's own), once it says it is announcing.
    Process node(int host, const std::string& name, int key_host = 0) {
        auto p = lab_->spawn_mcast(host, {"announce", "-v", "--name", name, "--identity",
                                          key(key_host ? key_host : host)});
        EXPECT_TRUE(p.wait_for_line(Stream::err, std::regex("announcing"), std::chrono::seconds(5)))
            << p.err();
        return p;
    }

    // mcast ARGS... on `host` with that host's key, run to the end.
    CommandResult mcast(int host, std::vector<std::string> args,
                        std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
        std::vector<std::string> argv{Paths::mcast()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--identity", key(host)});
        return run_command(lab_->exec_argv(host, argv), timeout);
    }

    static std::vector<boost::json::object> records(const std::string& out, std::string_view type) {
        std::vector<boost::json::object> v;
        std::size_t start = 0;
        while (start < out.size()) {
            auto nl = out.find('\n', start);
            if (nl == std::string::npos) nl = out.size();
            auto line = out.substr(start, nl - start);
            start = nl + 1;
            if (line.empty()) continue;
            auto o = boost::json::parse(line).as_object();
            if (o.at("type").as_string() == type) v.push_back(std::move(o));
        }
        return v;
    }
    static std::vector<boost::json::object> records(const Process& p, std::string_view type) {
        return records(p.out(), type);
    }

    std::filesystem::path dir_;
    std::unique_ptr<Lab> lab_;
    std::map<int, std::string> ids_;
};

} // namespace mcast::testlab
