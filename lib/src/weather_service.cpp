// The weather service: the driver around the sans-IO weather parts (protocol/weather_map,
// activity_table, report_schedule, rate_meter, rtt_floor) and the edge that measures (net/
// link_stats, icmp_probe, the IGD monitor it is handed). One timer: a sample every second, the
// report when the schedule says, the next lease to lapse.
#include <mcast/duty_cycle.hpp>
#include <mcast/weather_service.hpp>

#include "control/control_json.hpp"
#include "control/control_server.hpp"
#include "net/gateway_address.hpp"
#include "net/icmp_probe.hpp"
#include "net/link_stats.hpp"
#include "protocol/activity_table.hpp"
#include "protocol/rate_meter.hpp"
#include "protocol/report_schedule.hpp"
#include "protocol/rtt_floor.hpp"
#include "protocol/weather_map.hpp"
#include "service_driver.hpp"
#include "wall_clock.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <list>
#include <map>
#include <random>

namespace mcast {

namespace json = boost::json;

namespace {

constexpr auto sample_every = std::chrono::seconds(1);
constexpr auto probe_timeout = std::chrono::milliseconds(900);

double random_unit() {
    static thread_local std::mt19937_64 g{std::random_device{}()};
    return std::uniform_real_distribution<double>(0, 1)(g);
}

// A refused renew or clear; "no declaration a9" is a not_found (exit 1 in the CLI).
ControlError refused(const std::string& id, const std::string& why) {
    ControlError e(why);
    e.not_found = why == "no declaration " + id;
    return e;
}

} // namespace

struct WeatherService::Impl : std::enable_shared_from_this<WeatherService::Impl> {
    struct Meter {
        net::LinkCounters last;
        CounterRate up{CounterRate::Width::bits64};
        CounterRate down{CounterRate::Width::bits64};
    };

    Session& session;
    WeatherOptions opts;
    ServiceDriver driver;
    WeatherMap map;
    ActivityTable table;
    ReportSchedule schedule;
    std::vector<Meter> meters;
    std::string link_note;
    CounterRate igd_up{CounterRate::Width::bits32};
    CounterRate igd_down{CounterRate::Width::bits32};
    std::optional<GatewayReading> igd;
    RttTracker rtt;
    std::unique_ptr<net::IcmpProbe> probe;
    std::string latency_note;
    bool probing = false;
    MonoTime next_sample{};
    Subscription reports, goodbyes;
    std::list<std::pair<std::uint64_t, std::function<void(const Weather&)>>> handlers;
    std::uint64_t next_handler = 0;
    std::unique_ptr<control::Server> server;
    std::map<std::string, std::function<std::string(const std::string&, unsigned)>, std::less<>>
        routes; // other services' ops (sharing)
    // Declarations held by a control connection (`hold`): they end with it.
    std::map<std::uint64_t, std::vector<std::string>> held;
    WeatherStats stats;

    Impl(Session& s, WeatherOptions o)
        : session(s), opts(std::move(o)), driver(s.io()),
          table(ActivityTableConfig{.max_declarations = opts.max_declarations}),
          schedule(ReportScheduleConfig{.interval = opts.interval},
                   std::chrono::steady_clock::now(), [] { return random_unit(); }) {}

    NodeId self() const { return session.identity().id(); }
    UplinkConfig uplink() const { return {opts.uplink_up_bps, opts.uplink_down_bps}; }
    bool trusted(const NodeId& id) const { return opts.trusted && opts.trusted(id); }

    void start() {
        if (opts.measure) open_probe();
        reports = session.on_message(driver.guard([this](const Message& m) { take(m); }), {},
                                     MessageType::weather_report);
        // A node that says goodbye leaves the weather at once, not three intervals later.
        goodbyes = session.on_message(driver.guard([this](const Message& m) {
            if (map.forget(m.sender_id)) notify(std::chrono::steady_clock::now());
        }),
                                      {}, MessageType::goodbye);
        // This node is in its own weather from the start, with what its first report will say,
        // not only once that report goes out (up to start_delay_max later): a program that asks
        // at once (pair, for the name this node announces) finds it.
        if (opts.send) take_own(report(std::chrono::steady_clock::now()));
        driver.start([this](MonoTime now) { return wake(now); });
    }

    void stop() {
        driver.stop();
        reports.reset();
        goodbyes.reset();
        probe.reset();
        server.reset();
    }

    void open_probe() {
        std::string why4, why6;
        auto gw = net::default_gateway(4, why4);
        if (!gw) gw = net::default_gateway(6, why6);
        if (!gw) {
            latency_note = why4 == why6 ? why4 : why4 + "; " + why6;
            return;
        }
        probe = std::make_unique<net::IcmpProbe>(session.io());
        if (auto why = probe->open(gw->address); !why.empty()) {
            latency_note = why;
            probe.reset();
            return;
        }
        latency_note = fmt::format("ICMP echo to {} over a {}", gw->address,
                                   net::IcmpProbe::mode_name(probe->mode()));
    }

    MonoTime wake(MonoTime now) {
        if (now >= next_sample) {
            sample(now);
            next_sample = now + sample_every;
        }
        if (table.expire(now)) schedule.changed(now);
        if (map.expire(now)) notify(now);
        if (opts.send && schedule.due(now)) {
            send_report(now);
            schedule.sent(now);
        }
        auto next = std::min(next_sample, schedule.next_wakeup());
        if (auto lapse = table.next_expiry()) next = std::min(next, *lapse);
        if (auto gone = map.next_expiry()) next = std::min(next, *gone);
        return next;
    }

    void sample(MonoTime now) {
        if (opts.measure) {
            std::string why;
            auto links = net::read_default_route_links(why);
            link_note = why;
            std::vector<Meter> next;
            for (auto& l : links) {
                auto old = std::find_if(meters.begin(), meters.end(), [&](const Meter& m) {
                    return m.last.interface == l.interface;
                });
                Meter m = old != meters.end() ? std::move(*old) : Meter{};
                m.last = l;
                m.up.feed(l.tx_bytes, now);
                m.down.feed(l.rx_bytes, now);
                next.push_back(std::move(m));
            }
            meters = std::move(next);
            if (probe && !probing) {
                probing = true;
                probe->probe(probe_timeout,
                             driver.guard([this](std::optional<std::chrono::microseconds> rtt_us) {
                                 probing = false;
                                 auto t = std::chrono::steady_clock::now();
                                 if (rtt_us)
                                     rtt.add(static_cast<std::uint32_t>(rtt_us->count()), t);
                                 else
                                     rtt.timeout(t);
                             }));
            }
        }
        if (opts.igd) {
            auto r = opts.igd();
            if (r.ok) {
                igd_up.feed(r.bytes_sent, r.taken);
                igd_down.feed(r.bytes_received, r.taken);
            }
            igd = std::move(r);
        }
        notify(now);
    }

    std::optional<GatewayFigures> gateway_figures() const {
        if (!opts.measure && !opts.igd) return std::nullopt;
        GatewayFigures g;
        if (igd && igd->ok) {
            g.wan_up_bps = igd_up.bps();
            g.wan_down_bps = igd_down.bps();
            g.max_up_bps = igd->max_up_bps;
            g.max_down_bps = igd->max_down_bps;
        }
        g.igd_note = igd ? igd->note : std::string("no IGD monitor");
        if (opts.measure) {
            g.rtt_now_us = rtt.now_us(std::chrono::steady_clock::now());
            g.rtt_floor_us = rtt.floor_us();
            g.latency_note = latency_note;
        }
        // A node that measures nothing of the gateway says nothing about it.
        if (!g.wan_up_bps && !g.max_up_bps && !g.rtt_now_us) return std::nullopt;
        return g;
    }

    WeatherReport report(MonoTime now) const {
        WeatherReport r;
        r.name = opts.name;
        r.interval_ms = static_cast<std::uint32_t>(opts.interval.count());
        r.activities = table.activities(now);
        for (const auto& m : meters)
            r.links.push_back({m.last.interface, m.last.ipv4, m.last.ipv6, m.up.bps().value_or(0),
                               m.down.bps().value_or(0)});
        r.gateway = gateway_figures();
        // --anonymous: no name, labels or interface names, rates to two significant figures.
        return opts.anonymous ? anonymized(std::move(r)) : r;
    }

    // This node's own report in its own weather (local, trusted).
    void take_own(const WeatherReport& r) {
        map.take(self(), detail::wall_now_ns(), r, std::chrono::steady_clock::now(), true, true);
    }

    void send_report(MonoTime now) {
        auto r = report(now);
        SendOptions o;
        o.type = MessageType::weather_report;
        auto sent = session.send("", encode_weather_report(r), o);
        if (sent) ++stats.reports_sent;
        // Our own report counts in our own weather at once, whatever the network did with it.
        take_own(r);
        notify(now);
    }

    void take(const Message& m) {
        if (m.sender_id == self()) return; // ours, looped back: already taken when sent
        auto r = decode_weather_report(m.values);
        if (!r) {
            map.malformed();
            ++stats.reports_malformed;
            return;
        }
        auto now = std::chrono::steady_clock::now();
        auto t = map.take(m.sender_id, m.header.timestamp_ns, *r, now, trusted(m.sender_id), false);
        stats.reports_taken += t.accepted;
        stats.reports_stale += t.stale;
        stats.reports_absurd += t.absurd;
        stats.reports_full += t.full;
        if (t.accepted) notify(now);
    }

    Weather weather(MonoTime now, Heed heed) const {
        auto w = map.snapshot(now, uplink(), heed, opts.advice);
        w.reports = {stats.reports_taken, stats.reports_stale, stats.reports_absurd,
                     stats.reports_full, stats.reports_malformed};
        if (opts.measure && !w.gateway) {
            // Nobody reported the gateway: say why ours is unknown rather than nothing.
            GatewayFigures g;
            g.igd_note = igd ? igd->note : std::string("no IGD monitor");
            g.latency_note = latency_note;
            w.gateway = g;
        }
        return w;
    }

    void notify(MonoTime now) {
        if (handlers.empty()) return;
        auto w = weather(now, Heed::any);
        for (auto it = handlers.begin(); it != handlers.end();) {
            auto& h = (it++)->second; // a handler may unsubscribe itself
            h(w);
        }
    }

    void changed() {
        auto now = std::chrono::steady_clock::now();
        schedule.changed(now);
        driver.wake_at(std::min(schedule.next_wakeup(), now + sample_every));
    }

    json::object handle(const json::object& req, const control::PeerCredentials& peer) {
        auto op = req.if_contains("op");
        std::string_view name = op && op->is_string() ? std::string_view(op->as_string()) : "";
        auto now = std::chrono::steady_clock::now();
        auto lease = [&]() {
            const auto* l = req.if_contains("lease_ms");
            if (!l || !(l->is_int64() || l->is_uint64()) || l->to_number<std::int64_t>() <= 0)
                throw ControlError("lease_ms must be a positive whole number of milliseconds");
            return std::chrono::milliseconds(l->to_number<std::int64_t>());
        };
        auto id = [&]() {
            const auto* i = req.if_contains("id");
            if (!i || !i->is_string()) throw ControlError("no declaration id");
            return std::string(i->as_string());
        };
        auto heed = [&]() {
            auto h = req.if_contains("heed");
            return h && h->is_string() && h->as_string() == "trusted" ? Heed::trusted : Heed::any;
        };
        json::object reply{{"ok", true}};
        if (name == "declare") {
            std::string error;
            auto a = control::activity_from_json(req, error);
            if (!a) throw ControlError(error);
            auto l = lease();
            auto new_id = declare(*a, l, peer.uid);
            if (const auto* h = req.if_contains("hold"); h && h->is_bool() && h->as_bool())
                held[peer.connection].push_back(new_id);
            reply["id"] = new_id;
            reply["expires_ms"] = l.count();
        } else if (name == "renew") {
            renew(id(), lease(), peer.uid);
        } else if (name == "clear") {
            clear(id(), peer.uid);
        } else if (name == "list") {
            json::array ds;
            for (const auto& d : declarations(now))
                ds.emplace_back(control::to_json(d));
            reply["declarations"] = std::move(ds);
        } else if (name == "weather") {
            reply["weather"] = control::to_json(weather(now, heed()));
        } else if (name == "advice") {
            const auto* p = req.if_contains("priority");
            if (!p || !(p->is_int64() || p->is_uint64()) || p->to_number<std::int64_t>() < 0 ||
                p->to_number<std::int64_t>() > max_priority)
                throw ControlError("priority must be 0-7");
            reply["advice"] = control::to_json(
                advice(now, static_cast<std::uint8_t>(p->to_number<std::int64_t>()), heed()));
        } else if (auto r = routes.find(name); r != routes.end()) {
            boost::system::error_code ec;
            auto v = json::parse(r->second(json::serialize(req), peer.uid), ec);
            if (ec || !v.is_object()) throw ControlError("the service gave no answer");
            return v.as_object();
        } else {
            throw ControlError(name.empty() ? "no op" : fmt::format("unknown op '{}'", name));
        }
        return reply;
    }

    // A control connection ended: what it held ends too (already cleared ones are no error).
    void connection_closed(std::uint64_t connection) {
        auto it = held.find(connection);
        if (it == held.end()) return;
        bool any = false;
        for (const auto& id : it->second)
            any |= table.clear(id, ActivityTable::root_uid).empty();
        held.erase(it);
        if (any) changed();
    }

    std::string declare(const Activity& a, std::chrono::milliseconds lease, unsigned uid) {
        auto r = table.declare(uid, a, lease, std::chrono::steady_clock::now());
        if (!r.ok()) throw ControlError(r.error);
        changed();
        return r.id;
    }

    void renew(const std::string& id, std::chrono::milliseconds lease, unsigned uid) {
        if (auto e = table.renew(id, uid, lease, std::chrono::steady_clock::now()); !e.empty())
            throw refused(id, e);
        driver.wake_at(std::chrono::steady_clock::now());
    }

    void clear(const std::string& id, unsigned uid) {
        if (auto e = table.clear(id, uid); !e.empty()) throw refused(id, e);
        changed();
    }

    std::vector<Declaration> declarations(MonoTime now) const {
        std::vector<Declaration> out;
        for (const auto& d : table.list(now))
            out.push_back({d.id, d.activity,
                           std::chrono::duration_cast<std::chrono::milliseconds>(d.expires - now),
                           d.uid});
        return out;
    }

    Advice advice(MonoTime now, std::uint8_t priority, Heed heed) const {
        return advise(weather(now, heed), priority, heed, opts.advice, self());
    }
};

WeatherService::WeatherService(Session& session, WeatherOptions opts)
    : impl_(std::make_shared<Impl>(session, std::move(opts))) {}

WeatherService::~WeatherService() {
    impl_->stop();
}

void WeatherService::start() {
    impl_->start();
}

void WeatherService::stop() {
    impl_->stop();
}

void WeatherService::serve_control(const std::filesystem::path& path, const std::string& group) {
    impl_->server = std::make_unique<control::Server>(
        impl_->session.io(),
        control::Server::Options{path, group, 16,
                                 [i = impl_.get()](std::uint64_t c) { i->connection_closed(c); }},
        [i = impl_.get()](const json::object& req, const control::PeerCredentials& peer) {
            return i->handle(req, peer);
        });
}

void WeatherService::route_control(
    std::string op, std::function<std::string(const std::string& request, unsigned uid)> h) {
    impl_->routes[std::move(op)] = std::move(h);
}

std::string WeatherService::declare(const Activity& a, std::chrono::milliseconds lease,
                                    unsigned owner_uid) {
    return impl_->declare(a, lease, owner_uid);
}

void WeatherService::renew(const std::string& id, std::chrono::milliseconds lease, unsigned uid) {
    impl_->renew(id, lease, uid);
}

void WeatherService::clear(const std::string& id, unsigned uid) {
    impl_->clear(id, uid);
}

std::vector<Declaration> WeatherService::declarations() const {
    return impl_->declarations(std::chrono::steady_clock::now());
}

Weather WeatherService::weather(Heed heed) const {
    return impl_->weather(std::chrono::steady_clock::now(), heed);
}

Advice WeatherService::advice(std::uint8_t priority, Heed heed) const {
    return impl_->advice(std::chrono::steady_clock::now(), priority, heed);
}

const WeatherStats& WeatherService::stats() const {
    return impl_->stats;
}

Subscription WeatherService::on_update(std::function<void(const Weather&)> h) {
    auto key = impl_->next_handler++;
    impl_->handlers.emplace_back(key, std::move(h));
    return Subscription([weak = std::weak_ptr<Impl>(impl_), key] {
        if (auto i = weak.lock())
            i->handlers.remove_if([key](const auto& p) { return p.first == key; });
    });
}

// The same links the service measures this machine by (see duty_cycle.hpp).
std::optional<ByteCounters> read_host_counters() {
    auto c = net::read_host_traffic();
    if (!c) return std::nullopt;
    return ByteCounters{c->tx_bytes, c->rx_bytes};
}

} // namespace mcast
