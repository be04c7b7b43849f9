// Shell completion scripts for bash, zsh and fish, generated from the option table: subcommands,
// each command's options plus the global ones, and option values by their Hint (file names,
// network interfaces from /sys/class/net, commands, fixed choices). Hidden options are left out.
#pragma once

#include <string>

namespace mcast::cli {

std::string bash_completion(); // for completions/mcast.bash
std::string zsh_completion();  // for completions/_mcast
std::string fish_completion(); // for completions/mcast.fish

} // namespace mcast::cli
