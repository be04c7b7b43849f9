// See table.hpp.
#include "table.hpp"

#include <algorithm>

namespace mcast::cli {

std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows,
                                     const TableStyle& style) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        if (width.size() < row.size()) width.resize(row.size(), 0);
        for (std::size_t i = 0; i < row.size(); ++i)
            width[i] = std::max(width[i], row[i].size());
    }
    std::vector<std::string> lines;
    for (std::size_t n = 0; n < rows.size(); ++n) {
        const bool dim = n < style.dim_rows.size() && style.dim_rows[n];
        std::string line;
        for (std::size_t i = 0; i < rows[n].size(); ++i) {
            std::string cell = rows[n][i];
            if (i + 1 < rows[n].size()) cell.resize(width[i] + 2, ' ');
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
