// Human tables: columns padded to their widest cell (in terminal columns: wide characters count
// two), a bold header and an accented column on a terminal, dimmed rows for what is only a
// default. discover, trust list and config use it, so every table of the CLI looks alike.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mcast::cli {

struct TableStyle {
    bool color = false;              // escapes only when Output::color() says so
    int accent_column = -1;          // e.g. the node ids, in cyan
    std::vector<bool> dim_rows = {}; // by row index (0 is the header); missing means not dim
};

// The columns a terminal gives s: East Asian wide characters and emoji take two, combining
// marks and zero-width characters none, every other character one.
//   display_width("日本") == 4; display_width("e\u0301") == 1
std::size_t display_width(std::string_view s);

// rows[0] is the header. Cells are already printable (escape_text); trailing spaces are cut.
std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows,
                                     const TableStyle& style = {});

} // namespace mcast::cli
