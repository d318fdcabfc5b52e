// See meridian_re2.h. The only C++ in Meridian: one RE2 object per call, created
// and destroyed within it.
#include "meridian_re2.h"

#include <re2/re2.h>

#include <cstring>
#include <string>

namespace {

// The options of Envoy 1.40's Google RE2 engine.
RE2::Options envoyOptions() {
    RE2::Options options;
    options.set_log_errors(false);
    // Envoy 1.40's engine parses patterns as Latin-1: `\x{100}` is refused, `.` is one
    // byte, and program sizes are those of Latin-1 compilation (measured against
    // `envoy --mode validate`; see Sources/RegexCheck/EnvoyRegex.swift).
    options.set_encoding(RE2::Options::EncodingLatin1);
    return options;
}

} // namespace

int meridian_re2_check(const char *pattern, size_t length, int *program_size, char *error_buffer, size_t capacity) {
    const RE2 regex(re2::StringPiece(pattern, length), envoyOptions());
    if (regex.ok()) {
        *program_size = regex.ProgramSize();
        return 0;
    }
    if (capacity > 0) {
        const std::string &error = regex.error();
        const size_t count = error.size() < capacity - 1 ? error.size() : capacity - 1;
        std::memcpy(error_buffer, error.data(), count);
        error_buffer[count] = '\0';
    }
    const int code = static_cast<int>(regex.error_code());
    return code > 0 ? code : 1;
}

int meridian_re2_full_match(const char *pattern, size_t length, const char *text, size_t text_length) {
    const RE2 regex(re2::StringPiece(pattern, length), envoyOptions());
    if (!regex.ok()) {
        return -1;
    }
    // Bytes, read as Latin-1 like the pattern: what Envoy matches a header or path against.
    return RE2::FullMatch(re2::StringPiece(text, text_length), regex) ? 1 : 0;
}
