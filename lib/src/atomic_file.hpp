// Writing a whole file so that a kill at any moment leaves either the old or the new content:
// temporary file in the same directory, fsync, rename, fsync of the directory.
#pragma once

#include <filesystem>
#include <string_view>

namespace mcast::detail {

// Throws std::runtime_error with one line naming the file.
void write_atomically(const std::filesystem::path& file, std::string_view text);

} // namespace mcast::detail
