// ServiceDriver; see service_driver.hpp.
#include "service_driver.hpp"

#include <boost/asio/steady_timer.hpp>

#include <list>

namespace mcast {

namespace asio = boost::asio;

struct ServiceDriver::State {
    asio::io_context& io;
    asio::steady_timer timer{io};
    std::list<asio::steady_timer> delayed; // after(): erased as each fires
    Wake wake;
    bool running = false;
    explicit State(asio::io_context& i) : io(i) {}
};

bool ServiceDriver::is_running(const State& s) {
    return s.running;
}

ServiceDriver::ServiceDriver(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

ServiceDriver::~ServiceDriver() {
    stop();
}

void ServiceDriver::start(Wake wake, MonoTime first) {
    state_->wake = std::move(wake);
    state_->running = true;
    wake_at(first);
}

void ServiceDriver::wake_at(MonoTime at) {
    if (!state_->running) return;
    state_->timer.cancel();
    arm(state_, at);
}

void ServiceDriver::arm(const std::shared_ptr<State>& state, MonoTime at) {
    if (at == MonoTime::max()) return;
    state->timer.expires_at(at);
    state->timer.async_wait([weak = std::weak_ptr<State>(state)](boost::system::error_code ec) {
        auto s = weak.lock();
        if (ec || !s || !s->running) return;
        // wake() may stop the service or destroy it (a done handler that ends the run); the
        // lock above keeps the state alive for the call.
        auto next = s->wake(std::chrono::steady_clock::now());
        if (s->running) arm(s, next);
    });
}

void ServiceDriver::stop() {
    auto& s = *state_;
    s.running = false;
    s.timer.cancel();
    for (auto& t : s.delayed)
        t.cancel();
}

bool ServiceDriver::running() const {
    return state_->running;
}

void ServiceDriver::after(std::chrono::nanoseconds delay, std::function<void()> f) {
    auto& s = *state_;
    if (!s.running) return;
    auto& t = s.delayed.emplace_back(s.io);
    auto it = std::prev(s.delayed.end());
    t.expires_after(delay);
    t.async_wait(
        [weak = std::weak_ptr<State>(state_), it, f = std::move(f)](boost::system::error_code ec) {
            auto st = weak.lock();
            if (!st) return;
            st->delayed.erase(it);
            if (!ec && st->running) f();
        });
}

} // namespace mcast
