// `mcast search`: one signed query to the group, the answers bound to its nonce gathered until the
// nodes fall quiet, then a table (or one JSON record per file and a summary). With --streaming
// the query asks each node what its HTTPS server is sending now (docs/protocol.md section 13.4),
// and the live-stream activities of the resident node's weather are listed with them.
#include "commands.hpp"
#include "duration.hpp"
#include "printers.hpp"
#include "run_loop.hpp"
#include "table.hpp"

#include <mcast/control.hpp>
#include <mcast/share_service.hpp>
#include <mcast/weather.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

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

// The summary both kinds of search end with.
boost::json::object end_record(const Search& search) {
    const auto& st = search.stats();
    return {{"type", "search_end"},
            {"nodes", st.nodes},
            {"truncated", search.truncated()},
            {"truncated_nodes", st.truncated_nodes},
            {"incomplete_nodes", st.incomplete_nodes},
            {"dropped_unbound", st.unbound},
            {"dropped_malformed", st.malformed}};
}

void print_table(Output& out, const std::vector<std::vector<std::string>>& rows) {
    TableStyle style;
    style.color = out.color();
    style.accent_column = 0;
    for (const auto& l : table_lines(rows, style))
        out.line(l);
}

boost::json::object serving_record(const StreamResult& r,
                                   const std::map<NodeId, std::string>& names) {
    boost::json::array viewers;
    std::uint64_t rate = 0;
    for (const auto& c : r.serve.clients) {
        rate += c.rate_bps;
        boost::json::object v{{"address", c.address},
                              {"age_ms", c.age_ms},
                              {"rate_bps", c.rate_bps},
                              {"bytes", c.bytes}};
        if (c.node) {
            v["node"] = c.node->full();
            v["node_short"] = c.node->short_form();
            auto n = names.find(*c.node);
            v["node_name"] =
                n == names.end() ? boost::json::value(nullptr) : boost::json::value(n->second);
        } else {
            v["node"] = nullptr;
            v["node_short"] = nullptr;
            v["node_name"] = nullptr;
        }
        viewers.push_back(std::move(v));
    }
    return {{"type", "serving"},
            {"node", r.node.full()},
            {"node_short", r.node.short_form()},
            {"node_name", r.node_name},
            {"source", r.source},
            {"share", r.serve.share},
            {"path", r.serve.path},
            {"size", static_cast<std::int64_t>(r.serve.size)},
            {"media_type", r.serve.type},
            {"root", digest_hex(r.serve.root)},
            {"rate_bps", rate},
            {"viewers", std::move(viewers)}};
}

bool is_streaming(ActivityClass c) {
    return c == ActivityClass::live_stream || c == ActivityClass::on_demand_stream;
}

// `search --streaming`: the files every node serves now, with their viewers, and the streams
// the resident node's weather knows of.
int run_streaming(const ParsedArgs& args, Output& out, SearchQuery q, SearchOptions opts) {
    q.streaming = true;
    // The weather first: it is the resident node's, already known; the search takes its time.
    std::optional<Weather> weather;
    try {
        ControlClient client(args.value("control").value_or(""));
        weather = client.weather(Heed::any);
    } catch (const ControlError& e) {
        if (!e.no_node) throw;
        out.note("no resident node on this machine: live-stream activities are not shown "
                 "(they come from its weather)");
    }

    RunLoop loop;
    Session& session = loop.open_session(args, out);
    Search search(session, q, opts);
    std::vector<StreamResult> results;
    search.on_stream([&](const StreamResult& r) { results.push_back(r); });
    search.on_done([&] { loop.finish(); });
    loop.on_finish([&] { search.stop(); });
    loop.start_session(out);
    search.start();
    loop.run();

    // Viewers by name where the LAN said it: the nodes that answered, and the weather's.
    std::map<NodeId, std::string> names;
    if (weather)
        for (const auto& n : weather->nodes)
            if (!n.name.empty()) names[n.id] = n.name;
    for (const auto& r : results)
        if (!r.node_name.empty()) names[r.node] = r.node_name;
    std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
        return std::tie(a.node_name, a.serve.share, a.serve.path) <
               std::tie(b.node_name, b.serve.share, b.serve.path);
    });
    std::size_t activities = 0;
    std::vector<std::vector<std::string>> rows{{"NODE", "WHAT", "VIEWERS", "RATE"}};
    for (const auto& r : results) {
        auto rec = serving_record(r, names);
        if (out.json()) {
            out.record(rec);
            continue;
        }
        std::string viewers;
        for (const auto& c : r.serve.clients) {
            if (!viewers.empty()) viewers += ", ";
            auto n = c.node ? names.find(*c.node) : names.end();
            viewers += n != names.end() ? n->second : c.node ? c.node->short_form() : c.address;
            viewers +=
                " (" + format_duration(std::chrono::milliseconds(c.age_ms / 1000 * 1000)) + ")";
        }
        rows.push_back({escape_text(r.node_name.empty() ? r.node.short_form() : r.node_name),
                        escape_text(r.serve.share + "/" + r.serve.path), escape_text(viewers),
                        rate_text(static_cast<std::uint64_t>(rec.at("rate_bps").as_uint64()))});
    }
    if (weather)
        for (const auto& n : weather->nodes)
            for (const auto& a : n.activities) {
                if (!is_streaming(a.cls)) continue;
                ++activities;
                if (out.json()) {
                    out.record({{"type", "streaming_activity"},
                                {"node", n.id.full()},
                                {"node_short", n.id.short_form()},
                                {"node_name", n.name},
                                {"local", n.local},
                                {"class", std::string(to_string(a.cls))},
                                {"priority", a.priority},
                                {"rate_bps", a.rate_bps},
                                {"label", a.label}});
                    continue;
                }
                std::string what = std::string(to_string(a.cls)) +
                                   (a.label.empty() ? "" : " " + escape_text(a.label));
                rows.push_back({escape_text(n.name.empty() ? n.id.short_form() : n.name), what, "-",
                                a.rate_bps ? rate_text(a.rate_bps) + " (declared)" : "-"});
            }

    const auto& st = search.stats();
    if (out.json()) {
        out.record(end_record(search));
    } else if (rows.size() > 1) {
        print_table(out, rows);
    }
    if (!out.json() && st.incomplete_nodes)
        out.note(fmt::format("the answers of {} node{} came incomplete (lost datagrams)",
                             st.incomplete_nodes, st.incomplete_nodes == 1 ? "" : "s"));
    if (st.queries_sent == 0) {
        out.error("the query could not be sent");
        return exit_error;
    }
    if (results.empty() && activities == 0) {
        out.error("nothing is being streamed");
        return exit_nothing;
    }
    return exit_ok;
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
    if (args.flag("streaming")) return run_streaming(args, out, std::move(q), opts);

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
        out.record(end_record(search));
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
        print_table(out, rows);
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
