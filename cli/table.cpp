// See table.hpp.
#include "table.hpp"

#include <algorithm>

namespace mcast::cli {
namespace {

// Columns on a terminal, counted as UTF-8 code points (wide characters aside).
std::size_t columns(const std::string& s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80; // not a continuation byte
    }));
}

} // namespace

std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows,
                                     const TableStyle& style) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        if (width.size() < row.size()) width.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], columns(row[i]));
    }
    std::vector<std::string> lines;
    for (std::size_t n = 0; n < rows.size(); ++n) {
        const bool dim = n < style.dim_rows.size() && style.dim_rows[n];
        std::string line;
        for (std::size_t i = 0; i < rows[n].size(); ++i) {
            std::string cell = rows[n][i];
            if (i + 1 < rows[n].size()) cell.append(width[i] + 2 - columns(cell), ' ');
            if (style.color && n == 0)
                cell = "\x1b[1m" + cell + "\x1b[0m";
            else if (style.color && dim)
                cell = "\x1b[2m" + cell + "\x1b[0m";
            else if (style.color && static_cast<int>(i) == style.accent_column)
                cell = "\x1b[36m" + cell + "\x1b[0m";
            line += cell;
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace mcast::cli
