import RegexCheck
import Testing

/// The RE2 wrapper, table-driven: what compiles and its program size, what RE2 refuses and
/// its exact words, and Envoy's limit of 100 on either side.
@Suite("RE2 checks of regular expressions, as Envoy makes them")
struct EnvoyRegexTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        var verdict: EnvoyRegexVerdict
        var testDescription: String { pattern.count > 40 ? String(pattern.prefix(40)) + "…" : pattern }
    }

    static let cases: [Case] = [
        // Valid, with RE2's program size (Latin-1, as Envoy 1.40 compiles).
        Case(pattern: "/v[0-9]+/.*", verdict: .accepted(programSize: 11)),
        Case(pattern: "/api/v1/[^/]+/items/[0-9]+", verdict: .accepted(programSize: 24)),
        Case(pattern: "^/static/.*", verdict: .accepted(programSize: 6)),
        Case(pattern: "\\pN", verdict: .accepted(programSize: 8)),
        Case(pattern: "^/users/(?P<id>[0-9]+)$", verdict: .accepted(programSize: 8)),
        Case(pattern: "^/users/(?<id>[0-9]+)$", verdict: .accepted(programSize: 8)),
        Case(pattern: "[(?<n>]", verdict: .accepted(programSize: 8)),
        // At the limit: accepted.
        Case(pattern: String(repeating: "x", count: 96), verdict: .accepted(programSize: 100)),
        Case(pattern: "a{96}", verdict: .accepted(programSize: 100)),
        Case(pattern: ".{48}", verdict: .accepted(programSize: 100)),
        Case(pattern: "[a-z]{96}", verdict: .accepted(programSize: 100)),
        // Over the limit.
        Case(pattern: "a{97}", verdict: .overLimit(programSize: 101, limit: 100)),
        Case(pattern: ".{49}", verdict: .overLimit(programSize: 102, limit: 100)),
        Case(pattern: "a{1000}", verdict: .overLimit(programSize: 1004, limit: 100)),
        // RE2 refuses, in RE2's (and Envoy's) words.
        Case(pattern: "(?=x)", verdict: .invalid(reason: "invalid perl operator: (?=")),
        Case(pattern: "(?<=a)b", verdict: .invalid(reason: "invalid perl operator: (?<")),
        Case(pattern: "(a)\\1", verdict: .invalid(reason: "invalid escape sequence: \\1")),
        Case(pattern: "x{2000}", verdict: .invalid(reason: "invalid repetition size: {2000}")),
        Case(pattern: "a**", verdict: .invalid(reason: "bad repetition operator: **")),
        Case(pattern: "/(unclosed", verdict: .invalid(reason: "missing ): /(unclosed")),
        Case(pattern: "[z-a]", verdict: .invalid(reason: "invalid character class range: z-a")),
        Case(pattern: "\\x{100}", verdict: .invalid(reason: "invalid escape sequence: \\x{100")),
        Case(pattern: "(?<n>a", verdict: .invalid(reason: "missing ): (?<n>a")),
        Case(pattern: "(?<é>a)", verdict: .invalid(reason: "invalid named capture group: (?<é>")),
    ]

    @Test("each pattern's verdict", arguments: cases)
    func verdict(_ testCase: Case) {
        #expect(EnvoyRegex.check(testCase.pattern) == testCase.verdict)
    }

    @Test("the problem text loaders report")
    func problems() {
        #expect(EnvoyRegex.problem("/v[0-9]+/.*") == nil)
        #expect(EnvoyRegex.problem("a{96}") == nil)
        #expect(EnvoyRegex.problem("(?=x)") == "not a valid RE2 regular expression: invalid perl operator: (?=")
        #expect(EnvoyRegex.problem("a{1000}") == "RE2 program size 1004 is over Envoy's limit of 100")
    }

    @Test("an empty pattern is refused, as Envoy's RegexMatcher refuses it; a NUL byte is compiled, not a terminator")
    func edges() {
        #expect(EnvoyRegex.check("") == .empty)
        #expect(EnvoyRegex.problem("") == "must not be empty: Envoy requires a regular expression of at least one character")
        #expect(RE2Compiler.compile("") == .compiled(programSize: 4))
        #expect(RE2Compiler.compile("a\u{0}b") == RE2Compiler.compile("a\\x00b"))
    }
}
