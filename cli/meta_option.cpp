// Parsing of --meta KEY=VALUE; see meta_option.hpp.
#include "meta_option.hpp"

namespace mcast::cli {

Meta parse_meta(const std::vector<std::string>& values) {
    Meta meta;
    for (const auto& v : values) {
        auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0)
            throw UsageError("--meta: bad value '" + v + "' (expected KEY=VALUE)");
        meta.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    }
    return meta;
}

} // namespace mcast::cli
