// ServiceDriver: the one timer, running flag and lifetime token that every service (Node,
// Discovery, Pinger, the speed tests, pairing) needs around its sans-IO state machine. The state
// machine says when it next wants to run (AnnounceSchedule::next, QueryPlan::wake_at,
// PairInitiatorMachine::next_wakeup); the driver owns the timer that wakes it then, as ngtcp2's
// get_expiry / handle_expiry split does, and guarantees that no callback runs once the service
// was stopped or destroyed, whatever was already queued on the io_context.
#pragma once

#include <mcast/mono_time.hpp>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>

namespace mcast {

class ServiceDriver {
public:
    // Runs the state machine at `now` and returns when to run it next (MonoTime::max(): not
    // until wake_at() is called again).
    using Wake = std::function<MonoTime(MonoTime now)>;

    explicit ServiceDriver(boost::asio::io_context& io);
    ~ServiceDriver(); // stops: no callback of this driver runs afterwards
    ServiceDriver(const ServiceDriver&) = delete;
    ServiceDriver& operator=(const ServiceDriver&) = delete;

    // Starts running: `wake` is called at `first` (now, by default), then whenever it asks.
    void start(Wake wake, MonoTime first = std::chrono::steady_clock::now());
    // Re-arms the timer for `at` (sooner or later than planned): after an event changed what
    // the state machine wants.
    void wake_at(MonoTime at);
    // Stops the timer and every pending after(); running() turns false.
    void stop();
    bool running() const;

    // Runs `f` after `delay` unless the driver stopped meanwhile (answers after a random delay).
    void after(std::chrono::nanoseconds delay, std::function<void()> f);

    // `h` wrapped so that it does nothing while the driver is not running: for the handlers a
    // service registers on its Session.
    template <class H> auto guard(H h) {
        return [state = std::weak_ptr<State>(state_), h = std::move(h)](const auto&... args) {
            if (auto s = state.lock(); s && is_running(*s)) h(args...);
        };
    }

private:
    struct State;
    static bool is_running(const State& s);
    static void arm(const std::shared_ptr<State>& s, MonoTime at);
    std::shared_ptr<State> state_;
};

} // namespace mcast
