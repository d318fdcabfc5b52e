// A C surface over RE2 (C++) for Meridian's regular expression checks.
//
// RE2 is a C++ library; Swift reaches it only through these two functions,
// which compile a pattern the way Envoy's default regex engine does and
// report either the program size or RE2's error text, or whether a text
// matches. No RE2 object outlives the call.
#ifndef MERIDIAN_RE2_H
#define MERIDIAN_RE2_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Compiles the `length` bytes at `pattern` with RE2, with the options Envoy 1.40's
/// Google RE2 engine uses (Latin-1 encoding, RE2's default memory budget, no logging).
///
/// Returns 0 when the pattern compiles, and stores RE2's program size in
/// `*program_size`. Otherwise returns RE2's error code (a positive number) and
/// writes RE2's error text, NUL-terminated and cut to `capacity` bytes, to
/// `error_buffer`.
int meridian_re2_check(const char *pattern, size_t length, int *program_size, char *error_buffer, size_t capacity);

/// Whether the `text_length` bytes at `text` match the pattern as a whole, as Envoy's
/// `CompiledGoogleReMatcher::match` decides (`RE2::FullMatch`, same options as above).
///
/// Returns 1 for a match, 0 for none, and -1 when the pattern does not compile.
int meridian_re2_full_match(const char *pattern, size_t length, const char *text, size_t text_length);

#ifdef __cplusplus
}
#endif

#endif
