// The one driver of every service, on an io_context with no sockets: it runs the state machine
// when asked and as often as asked, and no callback of a stopped or destroyed service runs, even
// one already queued. Also the Session's registrations: a Subscription may outlive its Session.
#include "service_driver.hpp"

#include <mcast/session.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <gtest/gtest.h>

using namespace mcast;

TEST(ServiceDriver, WakesAsOftenAsTheMachineAsksThenIdles) {
    boost::asio::io_context io;
    ServiceDriver d(io);
    int wakes = 0;
    d.start([&](MonoTime now) { return ++wakes < 3 ? now : MonoTime::max(); });
    io.run(); // returns once nothing is armed
    EXPECT_EQ(wakes, 3);
    EXPECT_TRUE(d.running());
    d.wake_at(std::chrono::steady_clock::now()); // an event asks for one more
    io.restart();
    io.run();
    EXPECT_EQ(wakes, 4);
}

TEST(ServiceDriver, StopInsideWakeEndsTheRun) {
    boost::asio::io_context io;
    ServiceDriver d(io);
    int wakes = 0;
    d.start([&](MonoTime now) {
        ++wakes;
        d.stop();
        return now; // asks again, but it stopped
    });
    io.run();
    EXPECT_EQ(wakes, 1);
    EXPECT_FALSE(d.running());
}

TEST(ServiceDriver, NothingRunsOnceTheServiceIsGone) {
    boost::asio::io_context io;
    int wakes = 0, delayed = 0, guarded = 0;
    std::function<void(int)> handler;
    {
        ServiceDriver d(io);
        d.start([&](MonoTime now) { return ++wakes, now; });
        d.after(std::chrono::nanoseconds(0), [&] { ++delayed; });
        handler = d.guard([&](int) { ++guarded; });
        handler(1); // running: called
    }               // destroyed with a wake and an after() queued
    handler(2);
    io.run();
    EXPECT_EQ(wakes, 0);
    EXPECT_EQ(delayed, 0);
    EXPECT_EQ(guarded, 1);
}

TEST(ServiceDriver, AfterRunsUnlessStoppedAndGuardFollowsRunning) {
    boost::asio::io_context io;
    ServiceDriver d(io);
    int delayed = 0, guarded = 0;
    auto h = d.guard([&](int) { ++guarded; });
    h(0); // not started yet
    d.start([](MonoTime) { return MonoTime::max(); });
    d.after(std::chrono::nanoseconds(0), [&] { ++delayed; });
    h(0);
    io.run();
    EXPECT_EQ(delayed, 1);
    d.after(std::chrono::nanoseconds(0), [&] { ++delayed; });
    d.stop();
    h(0);
    io.restart();
    io.run();
    EXPECT_EQ(delayed, 1);
    EXPECT_EQ(guarded, 1);
}

TEST(SessionSubscription, OutlivesItsSessionAndUnregistersOnce) {
    boost::asio::io_context io;
    Subscription kept;
    {
        Session s(io, Identity::generate());
        auto a = s.on_message([](const Message&) {});
        kept = s.on_drop([](const DropEvent&) {});
        EXPECT_TRUE(kept);
        a.reset(); // unregisters now
        EXPECT_FALSE(a);
        Subscription moved = std::move(kept);
        EXPECT_FALSE(kept);
        kept = std::move(moved);
    }
    EXPECT_TRUE(kept);
    kept.reset(); // the session is gone: nothing to do, and no crash (ASan checks this)
    EXPECT_FALSE(kept);
}
