// The advice sources of `mcast yield`; see advice_source.hpp.
#include "advice_source.hpp"

#include "option_values.hpp"

#include <mcast/control.hpp>

#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>

namespace mcast::cli {

AdviceSource node_advice_source(std::filesystem::path control, std::uint8_t priority, Heed heed,
                                std::string& why) {
    // Connect once, ask at each poll, reconnect after an error; nullopt (full speed) while the
    // resident node cannot be reached, and `why` says so once.
    why = "no resident node to ask for advice on this machine; running at full speed until one "
          "answers";
    auto client = std::make_shared<std::optional<ControlClient>>();
    return [client, control = std::move(control), priority, heed]() -> std::optional<Advice> {
        try {
            if (!*client) client->emplace(control, std::chrono::milliseconds(500));
            return (*client)->advice(priority, heed);
        } catch (const ControlError&) {
            client->reset();
            return std::nullopt;
        }
    };
}

std::optional<Advice> parse_advice_text(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    if (!(in >> word)) return std::nullopt;
    if (word == "clear") return Advice{};
    if (word == "unknown") {
        Advice a;
        a.unknown = true;
        return a;
    }
    if (word != "yield") return std::nullopt;
    Advice a;
    a.yield = true;
    std::string rate;
    if (in >> rate && rate != "-") {
        const auto r = parse_rate(rate);
        if (!r || !r->bits) return std::nullopt;
        a.rate_bps = static_cast<std::uint64_t>(std::llround(r->per_second));
    }
    std::getline(in >> std::ws, a.reason);
    if (!a.reason.empty() && a.reason.back() == '\n') a.reason.pop_back();
    return a;
}

AdviceSource advice_file_source(std::string path) {
    return [path]() -> std::optional<Advice> {
        std::ifstream in(path);
        if (!in) return std::nullopt;
        std::string line;
        std::getline(in, line);
        return parse_advice_text(line);
    };
}

} // namespace mcast::cli
