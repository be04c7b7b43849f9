// The per-user directory of mcast's files; see paths.hpp.
#include <mcast/paths.hpp>

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <vector>

namespace mcast {

std::filesystem::path home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    // A service without HOME: never fall back to the current directory.
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found &&
        found->pw_dir && *found->pw_dir)
        return found->pw_dir;
    return "/";
}

std::filesystem::path config_directory() {
    if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
        return std::filesystem::path(x) / "mcast";
    return home_directory() / ".config" / "mcast";
}

} // namespace mcast
