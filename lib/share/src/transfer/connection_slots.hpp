// Bounds on concurrent connections, per peer and in total. Sans-IO: take() hands out a Slot that
// gives its place back when it goes; the server answers 503 when there is none.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace mcast::share {

class ConnectionSlots {
    struct State {
        std::size_t per_peer;
        std::size_t total;
        std::map<std::string, std::size_t> per;
        std::size_t used;
    };

public:
    ConnectionSlots(std::size_t per_peer, std::size_t total)
        : state_(std::make_shared<State>(State{per_peer, total, {}, 0})) {}

    class Slot {
    public:
        Slot(Slot&& o) noexcept : state_(std::move(o.state_)), peer_(std::move(o.peer_)) {}
        Slot& operator=(Slot&&) = delete;
        Slot(const Slot&) = delete;
        ~Slot() {
            if (!state_) return;
            --state_->used;
            if (auto it = state_->per.find(peer_); it != state_->per.end() && --it->second == 0)
                state_->per.erase(it);
        }

    private:
        friend class ConnectionSlots;
        Slot(std::shared_ptr<State> s, std::string peer)
            : state_(std::move(s)), peer_(std::move(peer)) {}
        std::shared_ptr<State> state_;
        std::string peer_;
    };

    // A place for one more connection of `peer`, or nullopt when the peer or everyone is at the
    // bound.
    std::optional<Slot> take(const std::string& peer) {
        if (state_->used >= state_->total) return std::nullopt;
        auto& n = state_->per[peer];
        if (n >= state_->per_peer) {
            if (n == 0) state_->per.erase(peer);
            return std::nullopt;
        }
        ++n;
        ++state_->used;
        return Slot(state_, peer);
    }
    std::size_t used() const { return state_->used; }
    std::size_t used_by(const std::string& peer) const {
        auto it = state_->per.find(peer);
        return it == state_->per.end() ? 0 : it->second;
    }

private:
    std::shared_ptr<State> state_;
};

} // namespace mcast::share
