// `mcast id`: show this node's identity, or make a new one with --new.
#include "commands.hpp"
#include "node_options.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace mcast::cli {

int run_id(const ParsedArgs& args, Output& out) {
    auto path = identity_path(args);
    bool created = false;
    Identity id = [&] {
        if (args.flag("new")) {
            // A key file named by the user goes into a directory that exists, as ssh-keygen
            // does: a typo in the path must not leave a new tree behind. Only the default
            // file's directory ($XDG_CONFIG_HOME/mcast) is made.
            if (args.given("identity")) {
                auto dir = std::filesystem::path(path).parent_path();
                if (dir.empty()) dir = ".";
                std::error_code ec;
                if (!std::filesystem::is_directory(dir, ec))
                    throw IdentityError(
                        "identity file '" + path + "': " +
                        (std::filesystem::exists(dir, ec)
                             ? "'" + dir.string() + "' is not a directory"
                             : "no directory '" + dir.string() + "' (create it first)"));
            }
            auto fresh = Identity::generate();
            fresh.save(path, args.flag("force"));
            created = true;
            return Identity::load(path);
        }
        return load_identity(args, out);
    }();
    auto node = id.id();
    auto pub = to_hex(id.public_key());
    auto name = host_name();
    if (out.json()) {
        out.record({{"type", "identity"},
                    {"name", name},
                    {"id", node.full()},
                    {"short_id", node.short_form()},
                    {"public_key", pub},
                    {"key_file", path},
                    {"created", created}});
        return exit_ok;
    }
    if (created) out.note("created a new identity in " + path);
    out.line(fmt::format("name        {}", name));
    out.line(fmt::format("id          {}", node.short_form()));
    out.line(fmt::format("full id     {}", node.full()));
    out.line(fmt::format("public key  {}", pub));
    out.line(fmt::format("key file    {}", path));
    return exit_ok;
}

} // namespace mcast::cli
