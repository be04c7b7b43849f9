// Global flags to SessionOptions and Identity; see node_options.hpp.
#include "node_options.hpp"

#include <mcast/scope.hpp>

#include <arpa/inet.h>
#include <cstdlib>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

namespace mcast::cli {

namespace {
std::shared_ptr<const TrustStore>& loaded_store() {
    static std::shared_ptr<const TrustStore> store;
    return store;
}

Ipv4Bytes bytes4(const std::string& text) {
    Ipv4Bytes b{};
    ::inet_pton(AF_INET, text.c_str(), b.data());
    return b;
}

Ipv6Bytes bytes6(const std::string& text) {
    Ipv6Bytes b{};
    ::inet_pton(AF_INET6, text.c_str(), b.data());
    return b;
}

// --scope and --source against the groups in use (o's, after --group): a group must fit a scope
// that was asked for, an SSM source needs an SSM group of its family, and an SSM group its
// sources (a (*,G) join of one means nothing).
void check_scope_and_sources(const ParsedArgs& args, const SessionOptions& o, Scope scope) {
    const bool scope_given = args.given("scope");
    const auto given_groups = args.values("group");
    const auto fits = [&](const std::string& g, std::string why) {
        if (why.empty()) return;
        throw UsageError(fmt::format("--group {}: {} (--scope {})", g, why, scope_name(scope)));
    };
    if (scope_given) {
        if (o.ipv4) fits(o.group_v4, group_scope_mismatch(scope, bytes4(o.group_v4)));
        if (o.ipv6) fits(o.group_v6, group_scope_mismatch(scope, bytes6(o.group_v6)));
    }
    bool sources4 = false, sources6 = false;
    for (const auto& src : o.sources) {
        in6_addr a6{};
        in_addr a4{};
        if (::inet_pton(AF_INET, src.c_str(), &a4) == 1) {
            if (!o.ipv4)
                throw UsageError(fmt::format("--source {}: an IPv4 source, but IPv4 is off", src));
            if (!is_ssm_group(bytes4(o.group_v4)))
                throw UsageError(fmt::format("--source {}: group {} is not source-specific (give "
                                             "one in 232.0.0.0/8 with --group)",
                                             src, o.group_v4));
            sources4 = true;
        } else if (::inet_pton(AF_INET6, src.c_str(), &a6) == 1) {
            if (!o.ipv6)
                throw UsageError(fmt::format("--source {}: an IPv6 source, but IPv6 is off", src));
            if (!is_ssm_group(bytes6(o.group_v6)))
                throw UsageError(fmt::format("--source {}: group {} is not source-specific (give "
                                             "one in ff3x::/32 with --group)",
                                             src, o.group_v6));
            sources6 = true;
        } else {
            throw UsageError("--source: bad value '" + src +
                             "' (expected an IPv4 or IPv6 address)");
        }
    }
    // A sender needs no sources; a command that joins to receive does (a (*,G) join of an SSM
    // group hears nothing behind an SSM router).
    if (!args.has("source", Arity::Many)) return;
    if (o.ipv4 && is_ssm_group(bytes4(o.group_v4)) && !sources4)
        throw UsageError(fmt::format("--group {}: a source-specific group needs its senders "
                                     "(--source ADDR)",
                                     o.group_v4));
    if (o.ipv6 && is_ssm_group(bytes6(o.group_v6)) && !sources6)
        throw UsageError(fmt::format("--group {}: a source-specific group needs its senders "
                                     "(--source ADDR)",
                                     o.group_v6));
}
} // namespace

SessionOptions network_options(const ParsedArgs& args) {
    SessionOptions o;
    bool only4 = args.flag("ipv4"), only6 = args.flag("ipv6");
    if (only4 && !only6) o.ipv6 = false;
    if (only6 && !only4) o.ipv4 = false;
    o.interfaces = args.values("interface");
    // --threads: one per core unless given (SessionOptions' 0).
    if (args.has("threads", Arity::One))
        o.threads = static_cast<unsigned>(args.number("threads").value_or(0));
    if (args.has("batch-delay", Arity::One))
        if (auto d = args.duration("batch-delay")) o.batch_delay = *d;
    const auto scope = parse_scope(args.value("scope").value_or("link")).value_or(Scope::link);
    const auto defaults = scope_defaults(scope);
    o.group_v4 = std::string(defaults.group_v4);
    o.group_v6 = std::string(defaults.group_v6);
    o.ttl = defaults.ttl;
    bool have4 = false, have6 = false;
    for (const auto& g : args.values("group")) {
        in_addr a4{};
        in6_addr a6{};
        if (::inet_pton(AF_INET, g.c_str(), &a4) == 1) {
            if (!IN_MULTICAST(ntohl(a4.s_addr)))
                throw UsageError("--group: bad value '" + g + "' (not a multicast address)");
            if (have4) throw UsageError("--group: more than one IPv4 group given");
            o.group_v4 = g;
            have4 = true;
        } else if (::inet_pton(AF_INET6, g.c_str(), &a6) == 1) {
            if (!IN6_IS_ADDR_MULTICAST(&a6))
                throw UsageError("--group: bad value '" + g + "' (not a multicast address)");
            if (have6) throw UsageError("--group: more than one IPv6 group given");
            o.group_v6 = g;
            have6 = true;
        } else {
            throw UsageError("--group: bad value '" + g + "' (expected an IPv4 or IPv6 address)");
        }
    }
    // A group of one family alone isolates the run on that family: the other family's default
    // group would still meet every node left on the defaults ("separate groups" that are not).
    if (have4 != have6) {
        const bool off = have4 ? only6 && !only4 : only4 && !only6;
        if (off)
            throw UsageError(fmt::format("--group {}: an {} group, but {} turns {} off (give an {} "
                                         "group)",
                                         have4 ? o.group_v4 : o.group_v6, have4 ? "IPv4" : "IPv6",
                                         have4 ? "-6" : "-4", have4 ? "IPv4" : "IPv6",
                                         have4 ? "IPv6" : "IPv4"));
        (have4 ? o.ipv6 : o.ipv4) = false;
    }
    if (auto p = args.number("port")) o.port = static_cast<std::uint16_t>(*p);
    // The table's default TTL (1) is link scope's; another scope brings its own.
    if (args.origin("ttl") != Origin::default_value)
        if (auto t = args.number("ttl")) o.ttl = static_cast<int>(*t);
    if (args.has("source", Arity::Many)) o.sources = args.values("source");
    check_scope_and_sources(args, o, scope);
    return o;
}

SessionOptions session_options(const ParsedArgs& args) {
    SessionOptions o = network_options(args);
    if (!args.has("accept", Arity::One)) return o;
    // The checks read the store in use when they run (no copy per datagram, and a store read
    // again on SIGHUP counts at once).
    trust_store(); // loaded now: a malformed file is an error before anything starts
    o.prefer = [](const NodeId& id) { return loaded_store()->trusts(id); };
    if (args.value("accept") != "trusted") return o;
    if (loaded_store()->friends().empty())
        throw UsageError("--accept trusted: the trust store has no friend yet (mcast trust add)");
    o.accept = [](const NodeId& id) { return loaded_store()->trusts(id); };
    return o;
}

std::vector<std::string> group_notes(const ParsedArgs& args) {
    std::vector<std::string> notes;
    const auto groups = args.values("group");
    for (const auto& g : groups)
        if (auto why = group_caution(g); !why.empty())
            notes.push_back(fmt::format("warning: --group {}: {}; pick a group of your own, such "
                                        "as one in 239.255.0.0/16 or ff02::/16",
                                        g, why));
    if (groups.size() == 1 && !args.flag("ipv4") && !args.flag("ipv6")) {
        const bool v4 = multicast_family(groups[0]) == GroupFamily::V4;
        notes.push_back(fmt::format("--group {} is an {} group, so {} is off for this run (it "
                                    "would meet the nodes on the default {} group); add -{} to "
                                    "say so without this note, or an {} --group to use both",
                                    groups[0], v4 ? "IPv4" : "IPv6", v4 ? "IPv6" : "IPv4",
                                    v4 ? "IPv6" : "IPv4", v4 ? "4" : "6", v4 ? "IPv6" : "IPv4"));
    }
    return notes;
}

std::string identity_path(const ParsedArgs& args) {
    if (auto f = args.value("identity")) return *f;
    return default_identity_path().string();
}

Identity load_identity(const ParsedArgs& args, Output& out) {
    // Named by --identity, a config file or MCAST_IDENTITY (all three arrive as the option).
    bool explicit_file = args.given("identity");
    auto path = identity_path(args);
    if (explicit_file) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw IdentityError("identity file '" + path +
                                "' does not exist (create it with: mcast id --new --identity '" +
                                path + "')");
        return Identity::load(path);
    }
    bool created = false;
    auto id = Identity::load_or_create(path, &created);
    if (created) out.note("created a new identity " + id.id().short_form() + " in " + path);
    return id;
}

std::string host_name() {
    char buf[256] = "";
    if (::gethostname(buf, sizeof buf - 1) != 0 || !*buf) return "localhost";
    return buf;
}

std::shared_ptr<const TrustStore> trust_store() {
    auto& store = loaded_store();
    if (!store)
        store = std::make_shared<const TrustStore>(TrustStore::load(TrustStore::default_path()));
    return store;
}

void reload_trust_store() {
    // Loaded first, so that a broken file leaves the store in use as it was.
    auto fresh = std::make_shared<const TrustStore>(TrustStore::load(TrustStore::default_path()));
    loaded_store() = std::move(fresh);
}

} // namespace mcast::cli
