// Output shared by every scenario: the stdout summary table, the stderr
// progress line, and the CSV line.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace wsbench {

// One named value, shown in the table as "name  value" and in the CSV as a
// column named csv_name (skipped there when csv_name is empty).
struct Field {
    std::string name;
    std::string value;
    std::string csv_name;
};

std::string fmt(double v, int decimals);
std::string fmt_us(int64_t ns);  // nanoseconds as microseconds, 1 decimal

void print_table(const std::string& title, const std::vector<Field>& fields);

// True when progress lines should be drawn (stderr is a terminal).
bool progress_enabled();
// Redraws the one progress line; finish_progress() clears it.
void draw_progress(const std::string& line);
void finish_progress();

// Appends one CSV line of the fields that have a csv_name, in the one column
// order every scenario shares, writing the header first if the file is new or
// empty. On failure returns false and sets error.
bool append_csv(const std::string& path, const std::vector<Field>& fields, std::string& error);

}  // namespace wsbench
