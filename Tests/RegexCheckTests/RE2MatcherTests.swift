import RegexCheck
import Testing

/// `RE2Matcher.fullMatch`: whole-text matching with Envoy's options (Latin-1 bytes).
@Suite("RE2 full matches, as Envoy matches a safe_regex")
struct RE2MatcherTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var pattern: String
        var text: String
        var matches: Bool?
        var testDescription: String { "\(pattern) ~ \(text)" }
    }

    static let cases: [Case] = [
        // The whole text must match: no implicit search.
        Case(pattern: "/v[0-9]+/.*", text: "/v1/models", matches: true),
        Case(pattern: "/v[0-9]+", text: "/v1/models", matches: false),
        Case(pattern: "v1", text: "/v1/", matches: false),
        Case(pattern: "^/static/.*$", text: "/static/a.css", matches: true),
        // Named groups in the newer syntax, as Envoy's RE2 accepts them.
        Case(pattern: "^/users/(?<id>[0-9]+)$", text: "/users/42", matches: true),
        Case(pattern: "^/users/(?<id>[0-9]+)$", text: "/users/x", matches: false),
        // Latin-1: `.` is one byte, so `é` (two bytes in UTF-8) is two of them.
        Case(pattern: "^..$", text: "é", matches: true),
        Case(pattern: "^.$", text: "é", matches: false),
        // Case-sensitive unless the pattern says otherwise.
        Case(pattern: "gpt-4", text: "GPT-4", matches: false),
        Case(pattern: "(?i)gpt-4", text: "GPT-4", matches: true),
        // The empty text is a text like any other.
        Case(pattern: ".*", text: "", matches: true),
        // A pattern RE2 refuses has no answer.
        Case(pattern: "(?=x)", text: "x", matches: nil),
        Case(pattern: "(unclosed", text: "(unclosed", matches: nil),
    ]

    @Test("full match", arguments: cases)
    func fullMatch(_ testCase: Case) {
        #expect(RE2Matcher.fullMatch(testCase.pattern, testCase.text) == testCase.matches)
    }
}
