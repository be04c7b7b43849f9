// `mcast fetch RESULT... [-o FILE|DIR]`: finds each RESULT with one search (a result id, a content
// hash prefix, or NODE:PATH), then fetches it over HTTPS from every node that answered with the
// same content, each block verified against the signed root (lib/share's Fetcher). A progress
// line on a terminal, progress records with --json; it gives way to the LAN's live traffic by
// the resident node's weather advice unless --no-yield.
#include "advice_source.hpp"
#include "commands.hpp"
#include "node_options.hpp"
#include "progress_ticker.hpp"
#include "run_loop.hpp"

#include <mcast/share/fetcher.hpp>
#include <mcast/share/stream_proxy.hpp>
#include <mcast/share_service.hpp>
#include <mcast/weather.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace mcast::cli {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

bool is_hex(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
}

std::string lower(std::string s) {
    for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// What a RESULT names: a result id (NODE12-ROOT12), a content hash prefix (8+ hex digits), or a
// node (name or id prefix) and a path inside its shares.
struct Wanted {
    std::string text;
    std::string node;        // NODE:PATH's NODE, or the id's node part
    std::string path;        // NODE:PATH's PATH ("SHARE/PATH" also matches)
    std::string root_prefix; // lowercase hex
};

Wanted parse_result(const std::string& r) {
    Wanted w{r, "", "", ""};
    auto colon = r.find(':');
    if (colon != std::string::npos) {
        w.node = r.substr(0, colon);
        w.path = r.substr(colon + 1);
        if (w.node.empty() || w.path.empty())
            throw UsageError(fmt::format("RESULT '{}': expected NODE:PATH", r));
        return w;
    }
    auto dash = r.find('-');
    if (dash != std::string::npos && is_hex(r.substr(0, dash)) && is_hex(r.substr(dash + 1))) {
        w.node = lower(r.substr(0, dash));
        w.root_prefix = lower(r.substr(dash + 1));
        return w;
    }
    if (is_hex(r) && r.size() >= 8 && r.size() <= 64) {
        w.root_prefix = lower(r);
        return w;
    }
    throw UsageError(fmt::format(
        "RESULT '{}': expected a result id (from mcast search), a hash prefix of at least 8 "
        "hex digits, or NODE:PATH",
        r));
}

bool matches(const Wanted& w, const SearchResult& r) {
    auto root = digest_hex(r.hit.root);
    if (!w.root_prefix.empty() && root.rfind(w.root_prefix, 0) != 0) return false;
    if (!w.path.empty()) {
        bool node_ok = r.node_name == w.node || (is_hex(w.node) && r.node.matches_prefix(w.node));
        bool path_ok = r.hit.path == w.path || r.hit.share + "/" + r.hit.path == w.path;
        return node_ok && path_ok;
    }
    if (!w.node.empty()) return r.node.matches_prefix(w.node);
    return true;
}

// The file name to write: the last segment of the path the node gave, refused when it could
// name anything but a plain file here.
std::string file_name_of(const std::string& path) {
    auto slash = path.rfind('/');
    auto name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.empty() || name == "." || name == ".." || name.find('\0') != std::string::npos)
        throw std::runtime_error("the node's path '" + path + "' names no file");
    return name;
}

std::string size_text(double n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (n >= 1024 && u < 4) {
        n /= 1024;
        ++u;
    }
    return u == 0 ? fmt::format("{:.0f} B", n) : fmt::format("{:.1f} {}", n, units[u]);
}

// One search for what `w` names; every result that matches.
std::vector<SearchResult> find(Session& session, RunLoop& loop, const Wanted& w,
                               std::chrono::milliseconds timeout) {
    SearchQuery q;
    q.limit = max_search_limit;
    if (!w.path.empty()) {
        auto name =
            w.path.substr(w.path.rfind('/') == std::string::npos ? 0 : w.path.rfind('/') + 1);
        if (!name.empty() && name.size() <= max_search_term_bytes &&
            name.find_first_of("*?") == std::string::npos)
            q.terms.push_back(name);
    }
    SearchOptions opts;
    opts.timeout = timeout;
    Search search(session, q, opts);
    std::vector<SearchResult> found;
    Clock::time_point first_match{};
    search.on_result([&](const SearchResult& r) {
        if (!matches(w, r)) return;
        if (found.empty()) first_match = Clock::now();
        found.push_back(r);
    });
    bool done = false;
    search.on_done([&] { done = true; });
    search.start();
    // A RESULT that names a node is that node's answer: once it is in and every node that
    // heard the first query has had its answer window (answer_delay_max, 40 ms by default
    // (the nodes' own setting is not known here), and twice as long again for the way there
    // and back), the search is over, some 250 ms sooner than a search's quiet period; a second
    // node of the same name still shows up, and the fetch asks which. A match that came late
    // (an answer to the repeated query) gets the window of an answer after it too. A hash
    // prefix waits for every holder.
    const auto started = Clock::now();
    const auto answer_window = 3 * ShareOptions{}.answer_delay_max;
    while (!done && !loop.finished()) {
        loop.io().run_one_for(std::chrono::milliseconds(10));
        const auto now = Clock::now();
        if (!w.node.empty() && !found.empty() && now >= started + answer_window &&
            now >= first_match + answer_window / 2)
            break;
    }
    search.stop();
    return found;
}

} // namespace

int run_fetch(const ParsedArgs& args, Output& out) {
    if (args.positional.empty()) throw UsageError("name at least one RESULT");
    std::vector<Wanted> wanted;
    for (const auto& r : args.positional)
        wanted.push_back(parse_result(r));
    auto output = args.value("output");
    bool into_dir = false;
    if (output) {
        std::error_code ec;
        into_dir = fs::is_directory(*output, ec);
        if (!into_dir && wanted.size() > 1)
            throw UsageError("-o: with several RESULTs, name an existing directory");
    }
    const bool stream = args.flag("stream");
    if (stream && wanted.size() != 1) throw UsageError("--stream: name one RESULT");
    const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        args.duration("timeout").value_or(std::chrono::seconds(2)));

    RunLoop loop;
    Session& session = loop.open_session(args, out);
    loop.start_session(out);
    const std::uint16_t port = loop.session_options().port;
    const auto key = share::TlsKey::load(identity_path(args)); // the session's key, for TLS

    // Weather: hold back while the resident node advises this priority to yield.
    std::string why;
    AdviceSource advice;
    if (!args.flag("no-yield")) {
        const std::uint8_t priority =
            args.value("priority") == "low" ? priority_low : priority_normal;
        const Heed heed = args.value("heed") == "trusted" ? Heed::trusted : Heed::any;
        advice = args.value("advice-file")
                     ? advice_file_source(*args.value("advice-file"))
                     : node_advice_source(args.value("control").value_or(""), priority, heed, why);
    }
    std::optional<Advice> last_advice;
    Clock::time_point asked{};
    std::uint64_t bytes_now = 0, bytes_mark = 0;
    Clock::time_point mark = Clock::now();
    auto hold_back = [&]() -> bool {
        if (!advice) return false;
        auto now = Clock::now();
        if (now - asked >= std::chrono::seconds(1)) {
            asked = now;
            auto a = advice();
            bool was = last_advice && last_advice->yield;
            if (a && a->yield && !was)
                out.note("giving way: " + a->reason);
            else if (was && !(a && a->yield))
                out.note("the weather cleared: full speed");
            last_advice = a;
            mark = now;
            bytes_mark = bytes_now;
        }
        if (!last_advice || !last_advice->yield) return false;
        if (!last_advice->rate_bps) return true;
        // Keep below the advised rate: hold back while ahead of it since the last advice.
        double secs = std::chrono::duration<double>(now - mark).count();
        return static_cast<double>(bytes_now - bytes_mark) * 8 >
               static_cast<double>(*last_advice->rate_bps) * secs;
    };

    int status = exit_ok;
    for (const auto& w : wanted) {
        if (loop.finished()) break;
        auto found = find(session, loop, w, timeout);
        if (found.empty()) {
            out.error(fmt::format("{}: not found on the LAN", w.text));
            status = std::max<int>(status, exit_nothing);
            continue;
        }
        std::map<std::string, std::vector<const SearchResult*>> by_root;
        for (const auto& r : found)
            by_root[digest_hex(r.hit.root)].push_back(&r);
        if (by_root.size() > 1) {
            std::string ids;
            for (const auto& [root, rs] : by_root)
                ids += (ids.empty() ? "" : ", ") + rs.front()->id();
            out.error(fmt::format("{}: names {} different files ({}); say which", w.text,
                                  by_root.size(), ids));
            status = exit_error;
            continue;
        }
        const auto& results = by_root.begin()->second;
        const SearchHit& hit = results.front()->hit;
        std::vector<share::Holder> holders;
        for (const auto* r : results) {
            boost::system::error_code ec;
            auto addr = boost::asio::ip::make_address(r->source, ec);
            if (ec || (addr.is_v6() && addr.to_v6().is_link_local())) continue;
            bool seen = std::any_of(holders.begin(), holders.end(),
                                    [&](const auto& h) { return h.node == r->node; });
            if (!seen)
                holders.push_back({{addr, port},
                                   r->node,
                                   r->node_name.empty() ? r->node.short_form() : r->node_name});
        }
        if (holders.empty()) {
            out.error(fmt::format("{}: no holder with an address to fetch from", w.text));
            status = exit_error;
            continue;
        }
        fs::path target;
        try {
            auto name = file_name_of(hit.path);
            target = !output    ? fs::path(name)
                     : into_dir ? fs::path(*output) / name
                                : fs::path(*output);
        } catch (const std::exception& e) {
            out.error(fmt::format("{}: {}", w.text, e.what()));
            status = exit_error;
            continue;
        }

        share::FetchOptions fo;
        fo.output = target;
        fo.overwrite = args.flag("force");
        fo.hold_back = hold_back;
        fo.ask_ahead = !stream;
        std::optional<share::FetchError> failed;
        share::FetchResult result;
        try {
            auto manifest = share::fetch_manifest(key, holders, hit.root, hit.size, hit.block_size);
            share::Fetcher fetcher(loop.io(), key, manifest, holders, fo);
            const auto started = Clock::now();
            share::FetchProgress last;
            Clock::time_point last_record{};
            bool ended = false;
            auto rate = [&] {
                double secs = std::chrono::duration<double>(Clock::now() - started).count();
                return secs > 0 ? static_cast<double>(last.transferred_bytes) / secs : 0.0;
            };
            auto progress_record = [&](const share::FetchProgress& p) {
                out.record({{"type", "fetch_progress"},
                            {"file", target.string()},
                            {"root", digest_hex(hit.root)},
                            {"verified_bytes", p.verified_bytes},
                            {"total_bytes", p.total_bytes},
                            {"transferred_bytes", p.transferred_bytes},
                            {"resumed_bytes", p.resumed_bytes},
                            {"rate_bps", static_cast<std::uint64_t>(rate() * 8)}});
            };
            std::optional<ProgressTicker> ticker;
            ticker.emplace(loop.io(), out, [&] {
                double r = rate();
                auto left = last.total_bytes - last.verified_bytes;
                std::string eta =
                    r > 0 ? fmt::format(", {:.0f} s left", static_cast<double>(left) / r) : "";
                double pct = last.total_bytes ? 100.0 * static_cast<double>(last.verified_bytes) /
                                                    static_cast<double>(last.total_bytes)
                                              : 100.0;
                return fmt::format("{} {:5.1f}% {} of {}, {}/s{}", target.filename().string(), pct,
                                   size_text(static_cast<double>(last.verified_bytes)),
                                   size_text(static_cast<double>(last.total_bytes)), size_text(r),
                                   eta);
            });
            std::optional<share::StreamProxy> proxy;
            fetcher.start(
                [&](const share::FetchEvent& e) {
                    if (auto* p = std::get_if<share::FetchProgress>(&e)) {
                        if (proxy) proxy->notify();
                        last = *p;
                        bytes_now = p->transferred_bytes;
                        if (out.json() &&
                            Clock::now() - last_record >= std::chrono::milliseconds(250)) {
                            last_record = Clock::now();
                            progress_record(*p);
                        }
                    } else if (auto* b = std::get_if<share::BadBlock>(&e)) {
                        const auto& h = holders[b->holder];
                        auto text = fmt::format("{} ({}) served block {} that does not match the "
                                                "hash it answered with: not asked again",
                                                h.name, h.node.short_form(), b->block);
                        if (out.json())
                            out.record({{"type", "bad_holder"},
                                        {"node", h.node.full()},
                                        {"node_name", h.name},
                                        {"block", b->block}});
                        else
                            out.note(text);
                    } else if (auto* g = std::get_if<share::HolderGone>(&e)) {
                        out.debug(fmt::format("{}: {}", holders[g->holder].name, g->reason));
                    }
                },
                [&](const share::FetchResult& r, std::optional<share::FetchError> e) {
                    result = r;
                    failed = std::move(e);
                    ended = true;
                    if (proxy) failed ? proxy->fail() : proxy->notify();
                });
            if (stream && !ended) {
                // The player's URL on stdout at once; the file keeps being served after it is
                // complete, until SIGINT or SIGTERM.
                proxy.emplace(loop.io(), fetcher, target.string());
                if (out.json())
                    out.record({{"type", "stream"},
                                {"url", proxy->url()},
                                {"file", target.string()},
                                {"root", digest_hex(hit.root)}});
                else
                    out.line(proxy->url());
            }
            loop.on_interrupt([&] {
                if (!ended) fetcher.cancel();
                if (stream) loop.finish();
            });
            while (!loop.finished() && (!ended || (proxy && !failed)))
                loop.io().run_one();
            if (proxy) proxy->stop();
            ticker.reset();
            out.end_progress();
            last = result.progress;
            if (out.json()) progress_record(result.progress);
        } catch (const share::FetchError& e) {
            failed = e;
        }
        if (failed) {
            out.error(fmt::format("{}: {}", w.text, failed->what()));
            status = exit_error;
            continue;
        }
        if (out.json())
            out.record({{"type", "fetched"},
                        {"file", target.string()},
                        {"root", digest_hex(hit.root)},
                        {"size", hit.size},
                        {"transferred_bytes", result.progress.transferred_bytes},
                        {"resumed_bytes", result.progress.resumed_bytes},
                        {"holders", holders.size()},
                        {"bad_holders", result.bad_holders.size()}});
        else if (!out.quiet())
            out.line(fmt::format(
                "{}  {}  verified, from {} node{}{}", target.string(),
                size_text(static_cast<double>(hit.size)), holders.size(),
                holders.size() == 1 ? "" : "s",
                result.progress.resumed_bytes
                    ? fmt::format(" (resumed: {} were here)",
                                  size_text(static_cast<double>(result.progress.resumed_bytes)))
                    : ""));
    }
    loop.finish();
    return status;
}

} // namespace mcast::cli
