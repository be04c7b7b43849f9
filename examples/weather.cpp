// A tiny LAN "weather station": publishes a reading on topic "weather" every second and prints
// the readings of every other station it hears. Shows the library without the CLI: a Session on
// an io_context, a topic handler, and typed tuples.
//
//   weather [KEYFILE]    (run one per machine, or one per network namespace)
#include <mcast/mcast.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <random>

int main(int argc, char** argv) {
    try {
        auto path = argc > 1 ? std::filesystem::path(argv[1]) : mcast::default_identity_path();
        auto id = mcast::Identity::load_or_create(path);
        boost::asio::io_context io;
        mcast::Session session(io, std::move(id));
        auto readings = session.on_message( // registered while `readings` lives
            [](const mcast::Message& m) {
                if (m.values.size() == 2 && m.values[0].is<std::string>() &&
                    m.values[1].is<double>())
                    std::printf("%s at %s: %s %.1f C\n", m.sender_id.short_form().c_str(),
                                m.arrival.source.c_str(), m.values[0].as<std::string>().c_str(),
                                m.values[1].as<double>());
                std::fflush(stdout); // each reading at once, also into a pipe or a file
            },
            "weather");
        session.start();

        std::mt19937 rng(std::random_device{}());
        std::normal_distribution<double> temp(20.0, 3.0);
        boost::asio::steady_timer timer(io);
        std::function<void()> tick = [&] {
            session.send("weather", {mcast::Value{"temperature"}, mcast::Value{temp(rng)}});
            timer.expires_after(std::chrono::seconds(1));
            timer.async_wait([&](boost::system::error_code ec) {
                if (!ec) tick();
            });
        };
        tick();
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weather: %s\n", e.what());
        return 2;
    }
}
