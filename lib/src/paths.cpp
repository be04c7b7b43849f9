// The per-user directory of mcast's files; see paths.hpp.
#include <mcast/paths.hpp>

#include <cstdlib>

namespace mcast {

std::filesystem::path config_directory() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        return std::filesystem::path(x) / "mcast";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : ".") / ".config" / "mcast";
}

} // namespace mcast
