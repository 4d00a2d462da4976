// Content-Type from a file name's extension, from one table (mime.cpp).
#pragma once

#include <string_view>

namespace wshub::files {

// The Content-Type for a file name (or a path: only what follows its last
// '/' counts), looked up by the extension after the last '.', compared
// case-insensitively. Text types carry "; charset=utf-8", since a file
// served here is assumed to be UTF-8 (and a browser guessing otherwise
// garbles it); XML and SVG do not, their own declaration names their
// encoding. A name without a known extension (none, a dot file's name, or
// an extension not in the table) is application/octet-stream, which a
// browser downloads rather than renders.
std::string_view content_type_for(std::string_view name) noexcept;

}  // namespace wshub::files
