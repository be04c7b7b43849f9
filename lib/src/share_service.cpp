// ShareService: the indexer thread (low priority; inotify and a periodic rescan wake it; the
// hash cache spares a restart the hashing) and the search responder on the node's session; and
// Search, the querier. See share_service.hpp and docs/protocol.md section 13.
#include "protocol/recent_nonces.hpp"
#include "service_driver.hpp"

#include <mcast/control.hpp>
#include <mcast/share_service.hpp>

#include <boost/asio/post.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <list>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace mcast {

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Answer datagrams stay below a 1500-byte MTU: 133 bytes of envelope, the node's name, 1200 of
// tuple.
constexpr std::size_t answer_budget = 1200;

// The calling thread at the lowest CPU priority and the idle I/O class: hashing must not be
// felt by whatever else the machine does.
void lower_priority() {
    auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    ::setpriority(PRIO_PROCESS, tid, 19);
    constexpr int ioprio_who_process = 1, ioprio_class_idle = 3, ioprio_class_shift = 13;
    ::syscall(SYS_ioprio_set, ioprio_who_process, static_cast<int>(tid),
              ioprio_class_idle << ioprio_class_shift);
}

class Fd {
public:
    explicit Fd(int fd = -1) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

} // namespace

struct ShareService::Impl : std::enable_shared_from_this<Impl> {
    Session& session;
    ShareOptions opts;
    ServiceDriver driver{session.io()};
    std::vector<Subscription> subs;
    ShareStats stats;
    std::shared_ptr<const Catalogue> current = std::make_shared<Catalogue>();
    std::mt19937_64 rng{std::random_device{}()};
    detail::RecentNonces<std::pair<NodeId, Nonce>> answered{std::chrono::seconds(10), 1024};
    std::chrono::steady_clock::time_point window_start{};
    std::size_t in_window = 0;
    std::list<std::pair<std::uint64_t, std::function<void(const Catalogue&)>>> indexed_handlers;
    std::uint64_t next_handler = 0;

    // The indexer thread and what it shares with the io thread.
    std::thread indexer;
    std::mutex mutex;
    std::atomic<bool> stopping{false};
    Fd wake_fd{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    std::atomic<bool> busy{false};

    Impl(Session& s, ShareOptions o) : session(s), opts(std::move(o)) {}

    void warn(const std::string& w) {
        if (!opts.warn) return;
        boost::asio::post(session.io(), [weak = weak_from_this(), w] {
            if (auto i = weak.lock(); i && i->opts.warn) i->opts.warn(w);
        });
    }

    void wake() {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(wake_fd.get(), &one, sizeof one);
    }

    // --- the indexer thread ---

    void index_loop() {
        lower_priority();
        Fd inotify{::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)};
        HashCache cache;
        bool cache_loaded = false;
        bool warned_watches = false;
        while (!stopping) {
            if (!cache_loaded) {
                auto l = load_hash_cache(opts.cache_file);
                if (!l.warning.empty()) warn(l.warning);
                cache = std::move(l.entries);
                cache_loaded = true;
            }
            std::vector<Share> shares;
            try {
                shares = load_shares(opts.shares_file);
            } catch (const ShareError& e) {
                warn(e.what());
            }
            busy = true;
            IndexStats st;
            auto before = cache.size();
            auto cat = index_shares(shares, cache, st, [this] { return !stopping.load(); });
            busy = false;
            if (!cat) break;
            if (st.hashed > 0 || cache.size() != before) {
                try {
                    save_hash_cache(opts.cache_file, cache);
                } catch (const ShareError& e) {
                    warn(e.what());
                }
            }
            for (const auto& s : shares)
                if (std::error_code ec; !fs::is_directory(s.path, ec))
                    warn(fmt::format("share '{}': {} is not a readable directory now", s.label,
                                     s.path.string()));
            publish(std::make_shared<const Catalogue>(std::move(*cat)), st);
            if (inotify.get() >= 0 && !watch(inotify.get(), shares) && !warned_watches) {
                warned_watches = true;
                warn("inotify: too many directories to watch; changes are found by the "
                     "periodic rescan only");
            }
            wait_for_change(inotify.get());
        }
    }

    // Watches every directory of the shares (again: new ones appear; gone ones drop out).
    static bool watch(int fd, const std::vector<Share>& shares) {
        constexpr std::uint32_t mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_FROM |
                                       IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
        bool ok = true;
        for (const auto& s : shares) {
            std::error_code ec;
            if (::inotify_add_watch(fd, s.path.c_str(), mask) < 0) ok = errno != ENOSPC && ok;
            for (fs::recursive_directory_iterator
                     it(s.path, fs::directory_options::skip_permission_denied, ec),
                 end;
                 !ec && it != end; it.increment(ec))
                if (it->is_directory(ec) && !it->is_symlink(ec))
                    if (::inotify_add_watch(fd, it->path().c_str(), mask) < 0 && errno == ENOSPC)
                        ok = false;
        }
        return ok;
    }

    // Until a change is seen (then a short settle, so that a copy in progress is one pass), a
    // reload, the rescan interval, or stop.
    void wait_for_change(int inotify) {
        auto drain = [](int fd) {
            char buf[4096];
            bool any = false;
            while (fd >= 0 && ::read(fd, buf, sizeof buf) > 0)
                any = true;
            return any;
        };
        pollfd p[2] = {{wake_fd.get(), POLLIN, 0}, {inotify, POLLIN, 0}};
        auto timeout_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(opts.rescan).count());
        if (::poll(p, inotify >= 0 ? 2 : 1, timeout_ms) <= 0) return;
        drain(wake_fd.get());
        if (drain(inotify)) {
            // Settle: more events within 300 ms belong to the same change.
            while (!stopping && ::poll(&p[1], 1, 300) > 0)
                drain(inotify);
        }
    }

    void publish(std::shared_ptr<const Catalogue> cat, IndexStats st) {
        boost::asio::post(session.io(), [weak = weak_from_this(), cat, st] {
            auto i = weak.lock();
            if (!i) return;
            {
                std::lock_guard lock(i->mutex);
                i->current = cat;
            }
            ++i->stats.index_passes;
            i->stats.last_pass = st;
            for (auto it = i->indexed_handlers.begin(); it != i->indexed_handlers.end();) {
                auto& h = (it++)->second;
                h(*cat);
            }
        });
    }

    // --- the responder, on the io thread ---

    void on_query(const Message& m) {
        ++stats.queries;
        auto q = decode_search_query(m.values);
        if (!q) {
            ++stats.malformed;
            return;
        }
        auto now = std::chrono::steady_clock::now();
        std::pair<NodeId, Nonce> key{m.sender_id, q->nonce};
        if (answered.contains(key, now)) {
            ++stats.repeated; // the querier's repeat, or the copy over the other family
            return;
        }
        if (now - window_start >= std::chrono::seconds(1)) {
            window_start = now;
            in_window = 0;
        }
        if (++in_window > opts.max_queries_per_second) {
            ++stats.rate_limited;
            return;
        }
        answered.add(key, now);
        bool trusted = opts.trusted && opts.trusted(m.sender_id);
        bool truncated = false;
        auto limit = std::min<std::size_t>(opts.max_results, static_cast<std::size_t>(q->limit));
        std::vector<SearchAnswer> parts;
        if (q->streaming) {
            ++stats.streaming;
            auto serves = catalogue()->serving(
                *q, trusted, opts.serving ? opts.serving() : std::vector<Serving>{}, limit,
                truncated);
            parts = pack_streaming_answer(q->nonce, opts.name, serves, truncated, answer_budget);
        } else {
            auto hits = catalogue()->search(*q, trusted, limit, truncated);
            parts = pack_search_answer(q->nonce, opts.name, hits, truncated, answer_budget);
        }
        std::uniform_int_distribution<std::int64_t> d(0, opts.answer_delay_max.count() * 1000);
        driver.after(
            std::chrono::microseconds(d(rng)), [this, parts = std::move(parts), to = m.arrival] {
                std::size_t sent = 0;
                for (const auto& p : parts)
                    if (session.reply(to, "", encode_search_answer(p), MessageType::search_answer))
                        ++sent;
                stats.datagrams += sent;
                if (sent) ++stats.answered;
            });
    }

    std::shared_ptr<const Catalogue> catalogue() {
        std::lock_guard lock(mutex);
        return current;
    }

    void start() {
        subs.push_back(session.on_message(driver.guard([this](const Message& m) { on_query(m); }),
                                          {}, MessageType::search_query));
        driver.start([](MonoTime) { return MonoTime::max(); });
        stopping = false;
        indexer = std::thread([self = shared_from_this()] { self->index_loop(); });
    }

    void stop() {
        driver.stop();
        subs.clear();
        stopping = true;
        wake();
        if (indexer.joinable()) indexer.join();
    }

    std::string control(const std::string& request, unsigned) {
        boost::system::error_code ec;
        auto v = json::parse(request, ec);
        if (ec || !v.is_object()) throw ControlError("not a JSON object");
        const auto* op = v.as_object().if_contains("op");
        std::string_view name = op && op->is_string() ? std::string_view(op->as_string()) : "";
        json::object reply{{"ok", true}};
        if (name == "shares_reload") {
            wake();
        } else if (name == "shares") {
            auto cat = catalogue();
            json::array shares;
            for (const auto& s : cat->shares())
                shares.push_back(json::object{{"label", s.label},
                                              {"path", s.path.string()},
                                              {"friends_only", s.friends_only},
                                              {"files", cat->files_in(s.label)}});
            reply["shares"] = std::move(shares);
            reply["indexing"] = busy.load() || stats.index_passes == 0;
            reply["stats"] = json::object{{"queries", stats.queries},
                                          {"answered", stats.answered},
                                          {"streaming", stats.streaming},
                                          {"malformed", stats.malformed},
                                          {"repeated", stats.repeated},
                                          {"rate_limited", stats.rate_limited},
                                          {"datagrams", stats.datagrams},
                                          {"files", stats.last_pass.files},
                                          {"hashed", stats.last_pass.hashed},
                                          {"from_cache", stats.last_pass.from_cache},
                                          {"skipped", stats.last_pass.skipped}};
        } else {
            throw ControlError(fmt::format("unknown op '{}'", name));
        }
        return json::serialize(reply);
    }
};

ShareService::ShareService(Session& session, ShareOptions opts)
    : impl_(std::make_shared<Impl>(session, std::move(opts))) {}

ShareService::~ShareService() {
    impl_->stop();
}

void ShareService::start() {
    impl_->start();
}
void ShareService::stop() {
    impl_->stop();
}
void ShareService::reload() {
    impl_->wake();
}
std::shared_ptr<const Catalogue> ShareService::catalogue() const {
    return impl_->catalogue();
}
const ShareStats& ShareService::stats() const {
    return impl_->stats;
}
std::string ShareService::control(const std::string& request_json, unsigned uid) {
    return impl_->control(request_json, uid);
}

Subscription ShareService::on_indexed(std::function<void(const Catalogue&)> h) {
    auto key = impl_->next_handler++;
    impl_->indexed_handlers.emplace_back(key, std::move(h));
    return Subscription([weak = std::weak_ptr<Impl>(impl_), key] {
        if (auto i = weak.lock())
            i->indexed_handlers.remove_if([key](const auto& p) { return p.first == key; });
    });
}

// --- Search ---

std::string SearchResult::id() const {
    return node.short_form() + "-" + digest_hex(hit.root).substr(0, 12);
}

struct Search::Impl {
    Session& session;
    SearchQuery query;
    SearchOptions opts;
    ServiceDriver driver{session.io()};
    std::vector<Subscription> subs;
    SearchStats stats;
    std::function<void(const SearchResult&)> result_handler;
    std::function<void(const StreamResult&)> stream_handler;
    std::function<void()> done_handler;
    MonoTime started{}, last_event{};
    int sent = 0;
    bool done = false;
    bool over_limit = false;
    std::size_t results = 0;
    struct NodeState {
        std::set<std::int64_t> parts;
        std::int64_t expected = 1;
        bool truncated = false;
    };
    std::map<NodeId, NodeState> nodes;
    std::set<std::tuple<NodeId, std::string, std::string>> seen;

    Impl(Session& s, SearchQuery q, SearchOptions o) : session(s), query(std::move(q)), opts(o) {}

    void on_answer(const Message& m) {
        auto a = decode_search_answer(m.values);
        if (!a || a->streaming != query.streaming) { // or an answer of the other kind
            ++stats.malformed;
            return;
        }
        if (a->nonce != query.nonce) {
            ++stats.unbound;
            return;
        }
        auto& n = nodes[m.sender_id];
        if (!n.parts.insert(a->part).second) return; // a copy
        ++stats.answers;
        if (n.parts.size() == 1) ++stats.nodes;
        n.expected = a->parts;
        n.truncated |= a->truncated;
        last_event = std::chrono::steady_clock::now();
        for (const auto& sv : a->serves) {
            if (!seen.insert({m.sender_id, sv.share, sv.path}).second) continue;
            if (results == opts.max_results) {
                over_limit = true;
                continue;
            }
            ++results;
            if (stream_handler)
                stream_handler(StreamResult{m.sender_id, a->name, m.arrival.source, sv});
            if (!driver.running()) return;
        }
        for (const auto& h : a->hits) {
            if (!seen.insert({m.sender_id, h.share, h.path}).second) continue;
            if (results == opts.max_results) {
                over_limit = true;
                continue;
            }
            ++results;
            if (result_handler)
                result_handler(SearchResult{m.sender_id, a->name, m.arrival.source, h});
            if (!driver.running()) return;
        }
        driver.wake_at(next());
    }

    void send() {
        SendOptions o;
        o.type = MessageType::search_query;
        o.private_port = true;
        if (session.send("", encode_search_query(query), o)) ++stats.queries_sent;
        ++sent;
        last_event = std::chrono::steady_clock::now();
    }

    MonoTime next() const {
        if (done) return MonoTime::max();
        auto end = std::min(started + opts.timeout, last_event + opts.quiet);
        if (sent < 2) end = std::min(end, started + opts.repeat);
        return end;
    }

    MonoTime wake(MonoTime now) {
        if (sent < 2 && now >= started + opts.repeat) send();
        if (sent >= 2 && (now >= started + opts.timeout || now >= last_event + opts.quiet)) {
            done = true;
            for (const auto& [id, n] : nodes) {
                if (n.truncated) ++stats.truncated_nodes;
                if (static_cast<std::int64_t>(n.parts.size()) < n.expected)
                    ++stats.incomplete_nodes;
            }
            driver.stop();
            if (done_handler) done_handler();
            return MonoTime::max();
        }
        return next();
    }
};

Search::Search(Session& session, SearchQuery q, SearchOptions opts)
    : impl_(std::make_unique<Impl>(session, std::move(q), opts)) {}
Search::~Search() = default;

void Search::on_result(std::function<void(const SearchResult&)> h) {
    impl_->result_handler = std::move(h);
}
void Search::on_stream(std::function<void(const StreamResult&)> h) {
    impl_->stream_handler = std::move(h);
}
void Search::on_done(std::function<void()> h) {
    impl_->done_handler = std::move(h);
}

void Search::start() {
    auto& i = *impl_;
    if (std::all_of(i.query.nonce.begin(), i.query.nonce.end(), [](auto b) { return b == 0; }))
        RAND_bytes(i.query.nonce.data(), static_cast<int>(i.query.nonce.size()));
    i.subs.push_back(
        i.session.on_message(i.driver.guard([&i](const Message& m) { i.on_answer(m); }), {},
                             MessageType::search_answer));
    i.started = std::chrono::steady_clock::now();
    i.send();
    i.driver.start([&i](MonoTime now) { return i.wake(now); }, i.next());
}

void Search::stop() {
    impl_->driver.stop();
}

const SearchStats& Search::stats() const {
    return impl_->stats;
}

bool Search::truncated() const {
    return impl_->over_limit || impl_->stats.truncated_nodes > 0;
}

} // namespace mcast
