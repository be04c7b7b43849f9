// `mcast search`: one signed query to the group, the answers bound to its nonce gathered until the
// nodes fall quiet, then a table (or one JSON record per file and a summary).
#include "commands.hpp"
#include "printers.hpp"
#include "run_loop.hpp"
#include "table.hpp"

#include <mcast/share_service.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace mcast::cli {
namespace {

std::string size_text(std::uint64_t n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{} B", n) : fmt::format("{:.1f} {}", v, units[u]);
}

boost::json::object result_record(const SearchResult& r) {
    return {{"type", "found"},
            {"id", r.id()},
            {"node", r.node.full()},
            {"node_short", r.node.short_form()},
            {"node_name", r.node_name},
            {"source", r.source},
            {"share", r.hit.share},
            {"path", r.hit.path},
            {"size", static_cast<std::int64_t>(r.hit.size)},
            {"mtime", r.hit.mtime_s},
            {"media_type", r.hit.type},
            {"root", digest_hex(r.hit.root)},
            {"block_size", r.hit.block_size}};
}

} // namespace

int run_search(const ParsedArgs& args, Output& out) {
    SearchQuery q;
    for (const auto& t : args.positional) {
        if (t.empty()) throw UsageError("an empty TERM matches nothing");
        if (t.size() > max_search_term_bytes)
            throw UsageError(
                fmt::format("TERM '{}': longer than {} bytes", t, max_search_term_bytes));
        q.terms.push_back(t);
    }
    if (q.terms.size() > max_search_terms)
        throw UsageError(fmt::format("at most {} TERMs", max_search_terms));
    q.type = args.value("type").value_or("");
    if (auto n = args.number("min-size")) q.min_size = static_cast<std::uint64_t>(*n);
    if (auto n = args.number("max-size")) q.max_size = static_cast<std::uint64_t>(*n);
    q.limit = args.number("limit").value_or(50);
    SearchOptions opts;
    opts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        args.duration("timeout").value_or(std::chrono::seconds(2)));

    RunLoop loop;
    Session& session = loop.open_session(args, out);
    Search search(session, q, opts);
    std::vector<SearchResult> results;
    std::size_t found = 0;
    search.on_result([&](const SearchResult& r) {
        ++found;
        if (out.json())
            out.record(result_record(r));
        else
            results.push_back(r);
    });
    search.on_done([&] { loop.finish(); });
    loop.on_finish([&] { search.stop(); });
    loop.start_session(out);
    search.start();
    loop.run();

    const auto& st = search.stats();
    if (out.json()) {
        out.record({{"type", "search_end"},
                    {"nodes", st.nodes},
                    {"truncated", search.truncated()},
                    {"truncated_nodes", st.truncated_nodes},
                    {"incomplete_nodes", st.incomplete_nodes},
                    {"dropped_unbound", st.unbound},
                    {"dropped_malformed", st.malformed}});
    } else if (!results.empty()) {
        std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
            return std::tie(a.node_name, a.hit.share, a.hit.path) <
                   std::tie(b.node_name, b.hit.share, b.hit.path);
        });
        std::vector<std::vector<std::string>> rows{
            {"ID", "NODE", "SHARE", "PATH", "SIZE", "TYPE", "HASH"}};
        for (const auto& r : results)
            rows.push_back(
                {r.id(), escape_text(r.node_name.empty() ? r.node.short_form() : r.node_name),
                 escape_text(r.hit.share), escape_text(r.hit.path), size_text(r.hit.size),
                 r.hit.type, digest_hex(r.hit.root).substr(0, 16)});
        TableStyle style;
        style.color = out.color();
        style.accent_column = 0;
        for (const auto& l : table_lines(rows, style))
            out.line(l);
    }
    if (!out.json()) {
        if (st.truncated_nodes)
            out.note(fmt::format("{} node{} left matches out (narrow the search, or raise "
                                 "--limit)",
                                 st.truncated_nodes, st.truncated_nodes == 1 ? "" : "s"));
        if (st.incomplete_nodes)
            out.note(fmt::format("the answers of {} node{} came incomplete (lost datagrams)",
                                 st.incomplete_nodes, st.incomplete_nodes == 1 ? "" : "s"));
        if (st.unbound || st.malformed)
            out.debug(fmt::format("dropped {} answers to another query and {} malformed ones",
                                  st.unbound, st.malformed));
    }
    if (st.queries_sent == 0) {
        out.error("the query could not be sent");
        return exit_error;
    }
    if (found == 0) {
        out.error("nothing found");
        return exit_nothing;
    }
    return exit_ok;
}

} // namespace mcast::cli
