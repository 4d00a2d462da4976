// The build's generator of the embedded assets: reads src/web/manifest and
// writes a C++ source defining wshub::web::assets() (web/assets.h), each
// file's bytes as a string literal, its Content-Type from its extension and a strong
// ETag from its contents. Built (with files/mime.cpp for the types) and run
// by the Makefile, never linked into wshub.
//
//   embed MANIFEST OUTPUT
//
// Files are named relative to the manifest's directory. OUTPUT is written
// whole under a temporary name and renamed, so an interrupted build leaves
// no half a source behind. Exits 1 with one line on any problem (a missing
// or empty file, an unknown extension or place, a path listed twice).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "files/mime.h"

namespace {

struct Entry {
    std::string path, file, content_type, etag;
    unsigned places = 0;
    std::string body;
};

[[noreturn]] void die(const std::string& why) {
    std::fprintf(stderr, "embed: %s\n", why.c_str());
    std::exit(1);
}

// The static files' own table (files/mime.h), so a page and a file of the
// same name get the same type; a name it does not know is refused rather
// than served as application/octet-stream.
std::string content_type_of(const std::string& file) {
    const std::string_view type = wshub::files::content_type_for(file);
    if (type == "application/octet-stream") die(file + ": no Content-Type known for its extension");
    return std::string(type);
}

// The web/assets.h Place bits, by name.
unsigned places_of(const std::string& list, const std::string& file) {
    unsigned bits = 0;
    std::istringstream in(list);
    for (std::string name; std::getline(in, name, ',');) {
        if (name == "demo") bits |= 1;
        else if (name == "client") bits |= 2;
        else if (name == "dashboard") bits |= 4;
        else die(file + ": unknown place '" + name + "' (demo, client, dashboard)");
    }
    return bits;
}

// FNV-1a, 64 bits, with the length: an ETag only has to change when the
// bytes do, and this one is computed once, at build time.
std::string etag_of(const std::string& body) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
    char buf[48];
    std::snprintf(buf, sizeof buf, "\"%016llx-%zx\"", static_cast<unsigned long long>(h), body.size());
    return buf;
}

std::string read_file(const std::string& name) {
    std::ifstream in(name, std::ios::binary);
    if (!in) die(name + ": cannot be read");
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (body.empty()) die(name + ": empty");
    return body;
}

std::vector<Entry> read_manifest(const std::string& manifest) {
    std::ifstream in(manifest);
    if (!in) die(manifest + ": cannot be read");
    const size_t slash = manifest.rfind('/');
    const std::string dir = slash == std::string::npos ? "" : manifest.substr(0, slash + 1);
    std::vector<Entry> entries;
    std::set<std::string> seen;
    for (std::string line; std::getline(in, line);) {
        std::istringstream words(line);
        Entry e;
        std::string places;
        if (!(words >> e.path) || e.path[0] == '#') continue;
        if (!(words >> e.file >> places) || e.path[0] != '/')
            die(manifest + ": expected 'PATH FILE PLACES', got '" + line + "'");
        if (!seen.insert(e.path).second) die(manifest + ": " + e.path + " listed twice");
        e.content_type = content_type_of(e.file);
        e.places = places_of(places, e.file);
        e.body = read_file(dir + e.file);
        e.etag = etag_of(e.body);
        entries.push_back(std::move(e));
    }
    return entries;
}

// The body as one string literal that reads like the file: a line of the
// file is a line of the literal, printable ASCII as it is, every other byte
// as a three-digit octal escape (which never swallows the digit after it).
void write_body(std::ostream& out, const std::string& body) {
    static const char* const kDigits = "01234567";
    out << "\n    \"";
    for (size_t i = 0; i < body.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(body[i]);
        if (c == '\n') {
            out << "\\n\"" << (i + 1 < body.size() ? "\n    \"" : "");
            continue;
        }
        if (c == '"' || c == '\\' || c == '?') out << '\\' << char(c);  // '?': no trigraph
        else if (c >= 0x20 && c < 0x7f) out << char(c);
        else out << '\\' << kDigits[c >> 6] << kDigits[(c >> 3) & 7] << kDigits[c & 7];
    }
    if (body.back() != '\n') out << '"';
}

// Plain ASCII (paths, types, quoted tags): escapes only '"' and '\'.
std::string literal(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

void write_source(std::ostream& out, const std::vector<Entry>& entries) {
    out << "// Generated by src/web/embed.cpp from src/web/manifest: edit those, not this.\n"
           "#include \"web/assets.h\"\n\nnamespace wshub::web {\nnamespace {\n";
    for (size_t i = 0; i < entries.size(); ++i) {
        out << "\n// " << entries[i].file << "\nconst char kBody" << i << "[] =";
        write_body(out, entries[i].body);
        out << ";\n";
    }
    out << "\nconst Asset kAssets[] = {\n";
    for (size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        out << "    {" << literal(e.path) << ", " << literal(e.content_type) << ", {kBody" << i << ", sizeof kBody"
            << i << " - 1}, " << literal(e.etag) << ", " << e.places << "},\n";
    }
    out << "};\n\n}  // namespace\n\nstd::span<const Asset> assets() noexcept { return kAssets; }\n\n"
           "}  // namespace wshub::web\n";
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) die("usage: embed MANIFEST OUTPUT");
    const std::vector<Entry> entries = read_manifest(argv[1]);
    if (entries.empty()) die(std::string(argv[1]) + ": lists no asset");
    const std::string output = argv[2];
    const std::string temporary = output + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        write_source(out, entries);
        if (!out.flush()) die(temporary + ": cannot be written");
    }
    if (std::rename(temporary.c_str(), output.c_str()) != 0) die(output + ": cannot be renamed into place");
    return 0;
}
