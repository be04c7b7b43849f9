// Writing a whole file so that a kill at any moment leaves either the old or the new content:
// temporary file in the same directory, fsync, rename, fsync of the directory. And the lock
// that read-modify-write cycles of such a file hold.
#pragma once

#include <filesystem>
#include <string_view>

namespace mcast::detail {

// Creates every missing directory of `dir` with mode 0700 (as the XDG base directory spec
// asks); existing ones are left as they are. Errors surface when the file is written.
void create_private_directories(const std::filesystem::path& dir);

// Creates missing directories as create_private_directories does. Throws std::runtime_error
// with one line naming the file.
void write_atomically(const std::filesystem::path& file, std::string_view text);

// An exclusive lock (flock) on `file`.lock, held from construction to destruction, so that
// two processes that load, change and save one file do not lose one of the changes.
class FileLock {
public:
    explicit FileLock(const std::filesystem::path& file);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

private:
    int fd_ = -1;
};

} // namespace mcast::detail
