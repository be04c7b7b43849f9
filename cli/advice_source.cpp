// The advice sources of `mcast yield`; see advice_source.hpp.
#include "advice_source.hpp"

#include "option_values.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

namespace mcast::cli {

AdviceSource node_advice_source(std::uint8_t, Heed, std::string& why) {
    // The control socket client (ControlClient::advice(priority, heed), docs/weather.md) plugs
    // in here: connect once, ask at each poll, reconnect after an error, nullopt while the
    // resident node cannot be reached.
    why = "no advice: this mcast cannot ask the resident node yet; running at full speed";
    return [] { return std::optional<Advice>(); };
}

std::optional<Advice> parse_advice_text(const std::string& text) {
    std::istringstream in(text);
    std::string word;
    if (!(in >> word)) return std::nullopt;
    if (word == "clear") return Advice{};
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
