// PairInitiatorMachine and PairResponderMachine; see pairing_machine.hpp.
#include "protocol/pairing_machine.hpp"

namespace mcast {

namespace {

// This side's yes, `times` times (at the end a few more: the peer may have missed one).
void confirm_to(PairOutput& out, const Nonce& session, int times = 1) {
    for (int i = 0; i < times; ++i)
        out.send.push_back({MessageType::pair_confirm, encode_pair(PairConfirm{session})});
}

} // namespace

PairInitiatorMachine::PairInitiatorMachine(const PublicKeyBytes& my_key, std::string my_name,
                                           NodeId target, Nonce session, Nonce mine)
    : my_key_(my_key), name_(std::move(my_name)), target_(target), session_(session), mine_(mine) {}

void PairInitiatorMachine::emit(PairOutput& out, PairEvent::Kind k, std::string code) const {
    out.events.push_back({k, target_, peer_name_, std::move(code)});
}

void PairInitiatorMachine::request(PairOutput& out, MonoTime now) {
    if (!peer_key_) {
        PairRequest r{session_, pair_commitment(mine_), name_, id_prefix(target_)};
        out.send.push_back({MessageType::pair_request, encode_pair(r)});
    } else {
        out.send.push_back({MessageType::pair_reveal, encode_pair(PairReveal{session_, mine_})});
        if (user_yes_) confirm_to(out, session_);
    }
    next_ = now + resend_interval;
}

PairOutput PairInitiatorMachine::start(MonoTime now) {
    PairOutput out;
    if (!over_) request(out, now);
    return out;
}

PairOutput PairInitiatorMachine::wakeup(MonoTime now) {
    PairOutput out;
    if (!over_ && now >= next_) request(out, now);
    return out;
}

MonoTime PairInitiatorMachine::next_wakeup() const {
    return over_ ? MonoTime::max() : next_;
}

PairOutput PairInitiatorMachine::receive(MessageType type, const PublicKeyBytes& sender,
                                         const Tuple& values, MonoTime) {
    PairOutput out;
    if (over_ || NodeId::of(sender) != target_) return out;
    if (type == MessageType::pair_response) {
        auto r = decode_pair_response(values);
        if (!r || r->session != session_ || peer_key_) return out;
        peer_key_ = sender;
        peer_name_ = r->name;
        out.send.push_back({MessageType::pair_reveal, encode_pair(PairReveal{session_, mine_})});
        emit(out, PairEvent::show_code, pair_code(my_key_, *peer_key_, mine_, r->nonce));
    } else if (type == MessageType::pair_confirm) {
        auto c = decode_pair_confirm(values);
        if (!c || c->session != session_ || !peer_key_) return out;
        peer_yes_ = true;
        finish_if_done(out);
    }
    return out;
}

PairOutput PairInitiatorMachine::confirm(bool yes, MonoTime) {
    PairOutput out;
    if (over_) return out;
    if (!yes) {
        over_ = true;
        emit(out, PairEvent::refused);
        return out;
    }
    user_yes_ = true;
    confirm_to(out, session_);
    finish_if_done(out);
    return out;
}

void PairInitiatorMachine::finish_if_done(PairOutput& out) {
    if (!user_yes_ || !peer_yes_ || over_) return;
    over_ = true;
    confirm_to(out, session_, 3);
    emit(out, PairEvent::paired);
}

PairResponderMachine::PairResponderMachine(const PublicKeyBytes& my_key, std::string my_name,
                                           std::string from, Nonce mine)
    : my_key_(my_key), my_prefix_(id_prefix(NodeId::of(my_key))), name_(std::move(my_name)),
      from_(std::move(from)), mine_(mine) {}

void PairResponderMachine::emit(PairOutput& out, PairEvent::Kind k, std::string code) const {
    if (current_) out.events.push_back({k, current_->id, current_->name, std::move(code)});
}

PairOutput PairResponderMachine::receive(MessageType type, const PublicKeyBytes& sender,
                                         const Tuple& values, MonoTime) {
    PairOutput out;
    if (over_) return out;
    // After the first request, only its key and session count.
    auto belongs = [&](const Nonce& session) {
        return current_ && current_->key == sender && current_->session == session;
    };
    if (type == MessageType::pair_request) {
        auto r = decode_pair_request(values);
        auto id = NodeId::of(sender);
        if (!r || r->target != my_prefix_ || (!from_.empty() && !id.matches_prefix(from_)))
            return out;
        if (current_ && !belongs(r->session)) return out;
        if (!current_) {
            current_ = Pending{sender, id, r->name, r->session, r->commitment, std::nullopt};
            emit(out, PairEvent::request);
        }
        // (Re)send our nonce: the initiator repeats its request until it has it.
        out.send.push_back({MessageType::pair_response,
                            encode_pair(PairResponse{current_->session, mine_, name_})});
    } else if (type == MessageType::pair_reveal) {
        auto r = decode_pair_reveal(values);
        if (!r || !belongs(r->session) || current_->theirs) return out;
        if (pair_commitment(r->nonce) != current_->commitment) {
            // The nonce does not match what was committed to: someone is in the middle.
            over_ = true;
            emit(out, PairEvent::refused);
            return out;
        }
        current_->theirs = r->nonce;
        emit(out, PairEvent::show_code, pair_code(current_->key, my_key_, r->nonce, mine_));
    } else if (type == MessageType::pair_confirm) {
        auto c = decode_pair_confirm(values);
        if (!c || !belongs(c->session) || !current_->theirs) return out;
        peer_yes_ = true;
        finish_if_done(out);
    }
    return out;
}

PairOutput PairResponderMachine::confirm(bool yes, MonoTime) {
    PairOutput out;
    if (over_ || !current_ || !current_->theirs) return out;
    if (!yes) {
        over_ = true;
        emit(out, PairEvent::refused);
        return out;
    }
    user_yes_ = true;
    confirm_to(out, current_->session);
    finish_if_done(out);
    return out;
}

void PairResponderMachine::finish_if_done(PairOutput& out) {
    if (!user_yes_ || !peer_yes_ || over_) return;
    over_ = true;
    confirm_to(out, current_->session, 3);
    emit(out, PairEvent::paired);
}

} // namespace mcast
