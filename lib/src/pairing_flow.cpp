// Pairing flows; see pairing_flow.hpp and docs/protocol.md section 11. Every message after the
// request is checked against the peer's key and the session id; the responder checks the
// revealed nonce against the commitment before it shows any code.
#include <mcast/pairing_flow.hpp>

#include <boost/asio/steady_timer.hpp>

#include <openssl/rand.h>

#include <algorithm>

namespace mcast {

namespace asio = boost::asio;

namespace {

Nonce random_nonce() {
    Nonce n{};
    RAND_bytes(n.data(), static_cast<int>(n.size()));
    return n;
}

constexpr auto resend = std::chrono::seconds(1);

// This side's yes, sent `times` times (at the end a few more: the peer may have missed one).
void send_confirm(Session& s, const Nonce& sess, int times = 1) {
    for (int i = 0; i < times; ++i)
        s.send("", encode_pair(PairConfirm{sess}), type_byte(PairType::confirm));
}

} // namespace

struct PairInitiator::Impl {
    Session& session;
    std::string name;
    NodeId target;
    Nonce sess = random_nonce(), mine = random_nonce();
    std::optional<PublicKeyBytes> peer_key;
    std::string peer_name;
    bool revealed = false, user_yes = false, peer_yes = false, over = false;
    std::function<void(const PairEvent&)> handler;
    Subscriptions subs{session};
    asio::steady_timer timer;
    std::shared_ptr<bool> alive = std::make_shared<bool>(true);

    Impl(Session& s, std::string n, NodeId t)
        : session(s), name(std::move(n)), target(t), timer(s.io()) {}

    void emit(PairEvent::Kind k, std::string code = {}) {
        if (handler) handler({k, target, peer_name, std::move(code)});
    }
    void send_request() {
        if (over) return;
        if (!peer_key) {
            PairRequest r{sess, pair_commitment(mine), name, id_prefix(target)};
            session.send("", encode_pair(r), type_byte(PairType::request));
        } else {
            session.send("", encode_pair(PairReveal{sess, mine}), type_byte(PairType::reveal));
            if (user_yes) send_confirm(session, sess);
        }
        timer.expires_after(resend);
        timer.async_wait([this, alive = std::weak_ptr<bool>(alive)](boost::system::error_code ec) {
            if (!ec && !alive.expired()) send_request();
        });
    }
    bool from_peer(const Message& m) const { return m.sender_id == target; }
    void on_response(const Message& m) {
        auto r = decode_pair_response(m.values);
        if (over || !r || r->session != sess || !from_peer(m) || peer_key) return;
        peer_key = m.header.sender;
        peer_name = r->name;
        session.send("", encode_pair(PairReveal{sess, mine}), type_byte(PairType::reveal));
        emit(PairEvent::show_code,
             pair_code(session.identity().public_key(), *peer_key, mine, r->nonce));
    }
    void on_confirm(const Message& m) {
        auto c = decode_pair_confirm(m.values);
        if (over || !c || c->session != sess || !from_peer(m) || !peer_key) return;
        peer_yes = true;
        finish_if_done();
    }
    void finish_if_done() {
        if (!user_yes || !peer_yes || over) return;
        over = true;
        send_confirm(session, sess, 3);
        emit(PairEvent::paired);
    }
};

PairInitiator::PairInitiator(Session& s, std::string my_name, NodeId target)
    : impl_(std::make_unique<Impl>(s, std::move(my_name), target)) {}
PairInitiator::~PairInitiator() = default; // the Impl's Subscriptions unregister its handlers
void PairInitiator::on_event(std::function<void(const PairEvent&)> h) {
    impl_->handler = std::move(h);
}
void PairInitiator::start() {
    auto& i = *impl_;
    i.subs.add([&i](const Message& m) { i.on_response(m); }, type_byte(PairType::response));
    i.subs.add([&i](const Message& m) { i.on_confirm(m); }, type_byte(PairType::confirm));
    i.send_request();
}
void PairInitiator::confirm(bool yes) {
    auto& i = *impl_;
    if (i.over) return;
    if (!yes) {
        i.over = true;
        i.emit(PairEvent::refused);
        return;
    }
    i.user_yes = true;
    send_confirm(i.session, i.sess);
    i.finish_if_done();
}

struct PairResponder::Impl {
    Session& session;
    std::string name;
    std::string from;
    struct Pending {
        PublicKeyBytes key{};
        NodeId id;
        std::string name;
        Nonce sess{};
        Digest commitment{};
        Nonce mine{};
        std::optional<Nonce> theirs;
    };
    std::optional<Pending> current; // one pairing at a time: the first request that fits
    bool user_yes = false, peer_yes = false, over = false;
    std::function<void(const PairEvent&)> handler;
    Subscriptions subs{session};

    Impl(Session& s, std::string n, std::string f)
        : session(s), name(std::move(n)), from(std::move(f)) {}

    void emit(PairEvent::Kind k, std::string code = {}) {
        if (handler && current) handler({k, current->id, current->name, std::move(code)});
    }
    bool matches_from(const NodeId& id) const {
        if (from.empty()) return true;
        auto full = id.full();
        std::string f = from;
        std::transform(f.begin(), f.end(), f.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return full.compare(0, f.size(), f) == 0;
    }
    void on_request(const Message& m) {
        auto r = decode_pair_request(m.values);
        if (over || !r || r->target != id_prefix(session.identity().id()) ||
            !matches_from(m.sender_id))
            return;
        if (current && (current->key != m.header.sender || current->sess != r->session)) return;
        if (!current) {
            current = Pending{m.header.sender, m.sender_id,    r->name,     r->session,
                              r->commitment,   random_nonce(), std::nullopt};
            emit(PairEvent::request);
        }
        // (Re)send our nonce: the initiator repeats its request until it has it.
        session.send("", encode_pair(PairResponse{current->sess, current->mine, name}),
                     type_byte(PairType::response));
    }
    void on_reveal(const Message& m) {
        auto r = decode_pair_reveal(m.values);
        if (over || !r || !current || m.header.sender != current->key ||
            r->session != current->sess || current->theirs)
            return;
        if (pair_commitment(r->nonce) != current->commitment) {
            // The nonce does not match what was committed to: someone is in the middle.
            over = true;
            emit(PairEvent::refused);
            return;
        }
        current->theirs = r->nonce;
        emit(PairEvent::show_code,
             pair_code(current->key, session.identity().public_key(), r->nonce, current->mine));
    }
    void on_confirm(const Message& m) {
        auto c = decode_pair_confirm(m.values);
        if (over || !c || !current || m.header.sender != current->key ||
            c->session != current->sess || !current->theirs)
            return;
        peer_yes = true;
        finish_if_done();
    }
    void finish_if_done() {
        if (!user_yes || !peer_yes || over) return;
        over = true;
        send_confirm(session, current->sess, 3);
        emit(PairEvent::paired);
    }
};

PairResponder::PairResponder(Session& s, std::string my_name, std::string from)
    : impl_(std::make_unique<Impl>(s, std::move(my_name), std::move(from))) {}
PairResponder::~PairResponder() = default; // the Impl's Subscriptions unregister its handlers
void PairResponder::on_event(std::function<void(const PairEvent&)> h) {
    impl_->handler = std::move(h);
}
void PairResponder::start() {
    auto& i = *impl_;
    i.subs.add([&i](const Message& m) { i.on_request(m); }, type_byte(PairType::request));
    i.subs.add([&i](const Message& m) { i.on_reveal(m); }, type_byte(PairType::reveal));
    i.subs.add([&i](const Message& m) { i.on_confirm(m); }, type_byte(PairType::confirm));
}
void PairResponder::confirm(bool yes) {
    auto& i = *impl_;
    if (i.over || !i.current || !i.current->theirs) return;
    if (!yes) {
        i.over = true;
        i.emit(PairEvent::refused);
        return;
    }
    i.user_yes = true;
    send_confirm(i.session, i.current->sess);
    i.finish_if_done();
}

} // namespace mcast
