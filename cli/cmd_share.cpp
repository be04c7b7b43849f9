// `mcast share add|list|remove`: the shares file (catalogue.hpp), kept by this command under its
// lock, and the running resident node told over its control socket to read it again.
#include "commands.hpp"
#include "table.hpp"

#include <mcast/catalogue.hpp>
#include <mcast/control.hpp>

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

namespace mcast::cli {
namespace {

// What the node says about its shares: files indexed per label; nothing without a node.
struct NodeView {
    bool running = false;
    bool indexing = false;
    std::map<std::string, std::int64_t> files;
    std::string stats; // what the node answered and dropped, for -v
};

NodeView ask_node(const ParsedArgs& args, bool reload) {
    NodeView v;
    try {
        ControlClient client(args.value("control").value_or(""));
        if (reload) client.call(R"({"op":"shares_reload"})");
        auto reply = boost::json::parse(client.call(R"({"op":"shares"})"));
        v.running = true;
        const auto& o = reply.as_object();
        if (auto i = o.if_contains("indexing"); i && i->is_bool()) v.indexing = i->as_bool();
        if (auto st = o.if_contains("stats"); st && st->is_object()) {
            auto n = [&](const char* k) {
                auto x = st->as_object().if_contains(k);
                return x && x->is_number() ? x->to_number<std::int64_t>() : 0;
            };
            v.stats = fmt::format(
                "the node took {} search queries: {} answered ({} datagrams), dropped {} "
                "malformed, {} repeated, {} beyond the rate limit; its last pass found {} files, "
                "hashed {}, took {} from the cache and skipped {}",
                n("queries"), n("answered"), n("datagrams"), n("malformed"), n("repeated"),
                n("rate_limited"), n("files"), n("hashed"), n("from_cache"), n("skipped"));
        }
        if (auto ss = o.if_contains("shares"); ss && ss->is_array())
            for (const auto& s : ss->as_array()) {
                const auto& so = s.as_object();
                if (auto l = so.if_contains("label"), f = so.if_contains("files");
                    l && l->is_string() && f && f->is_number())
                    v.files[std::string(l->as_string())] = f->to_number<std::int64_t>();
            }
    } catch (const ControlError&) {
        // No node (or an older one without sharing): the file alone is the truth.
    } catch (const std::exception&) {
    }
    return v;
}

boost::json::object share_record(const Share& s, const NodeView& node) {
    boost::json::object r{{"type", "share"},
                          {"label", s.label},
                          {"path", s.path.string()},
                          {"friends_only", s.friends_only}};
    auto f = node.files.find(s.label);
    r["files"] =
        f == node.files.end() ? boost::json::value(nullptr) : boost::json::value(f->second);
    return r;
}

void print_shares(Output& out, const std::vector<Share>& shares, const NodeView& node) {
    if (!node.stats.empty()) out.debug(node.stats);
    if (out.json()) {
        for (const auto& s : shares)
            out.record(share_record(s, node));
        return;
    }
    if (shares.empty()) {
        out.note("nothing is shared (mcast share add PATH)");
        return;
    }
    std::vector<std::vector<std::string>> rows{{"LABEL", "PATH", "WHO", "FILES"}};
    for (const auto& s : shares) {
        auto f = node.files.find(s.label);
        rows.push_back({escape_text(s.label), escape_text(s.path.string()),
                        s.friends_only ? "friends" : "anyone",
                        f == node.files.end() ? "-" : std::to_string(f->second)});
    }
    TableStyle style;
    style.color = out.color();
    for (const auto& l : table_lines(rows, style))
        out.line(l);
    if (!node.running)
        out.note("no resident node runs here: the shares are searchable once one does");
    else if (node.indexing)
        out.note("the node is still indexing");
}

} // namespace

int run_share(const ParsedArgs& args, Output& out) {
    const auto& pos = args.positional;
    if (pos.empty()) throw UsageError("name an action: add PATH, list or remove LABEL|PATH");
    const std::string& action = pos[0];
    const auto file = default_shares_path();
    auto expect_args = [&](std::size_t n, std::string_view usage) {
        if (pos.size() - 1 != n) throw UsageError(fmt::format("usage: mcast share {}", usage));
    };
    if (action == "add") {
        expect_args(1, "add PATH [--label LABEL] [--friends-only]");
        // A missing or unreadable path, a taken label: ShareError, one line, exit 2.
        Share s = make_share(pos[1], args.value("label").value_or(""), args.flag("friends-only"));
        update_shares(file, [&](std::vector<Share>& shares) {
            for (const auto& o : shares) {
                if (o == s) return; // already shared so: nothing to change
                if (o.label == s.label)
                    throw ShareError(
                        fmt::format("the label '{}' is taken by {} (choose another with --label)",
                                    s.label, o.path.string()));
                if (o.path == s.path)
                    throw ShareError(fmt::format("{} is already shared as '{}' (share remove "
                                                 "it first)",
                                                 s.path.string(), o.label));
            }
            shares.push_back(s);
        });
        auto node = ask_node(args, true);
        if (out.json())
            out.record(share_record(s, node));
        else
            out.note(fmt::format("sharing {} as '{}'{}{}", s.path.string(), s.label,
                                 s.friends_only ? " with friends only" : "",
                                 node.running ? "" : " (once a resident node runs)"));
        return exit_ok;
    }
    if (action == "list") {
        expect_args(0, "list");
        print_shares(out, load_shares(file), ask_node(args, false));
        return exit_ok;
    }
    if (action == "remove") {
        expect_args(1, "remove LABEL|PATH");
        std::optional<Share> removed;
        std::error_code ec;
        auto abs = std::filesystem::weakly_canonical(std::filesystem::absolute(pos[1], ec), ec);
        update_shares(file, [&](std::vector<Share>& shares) {
            auto it = std::find_if(shares.begin(), shares.end(), [&](const Share& s) {
                return s.label == pos[1] || (!ec && s.path == abs);
            });
            if (it == shares.end()) return;
            removed = *it;
            shares.erase(it);
        });
        if (!removed) {
            out.error(fmt::format("no share is labelled or at '{}'", pos[1]));
            return exit_nothing;
        }
        ask_node(args, true);
        out.note(
            fmt::format("no longer sharing {} ('{}')", removed->path.string(), removed->label));
        return exit_ok;
    }
    throw UsageError(fmt::format("unknown action '{}' (add, list or remove)", action));
}

} // namespace mcast::cli
