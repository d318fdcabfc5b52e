import MeridianServe
import Testing

/// `ClientText` on its own: what is cut, what is escaped, what is left as it is.
@Suite("ClientText")
struct ClientTextTests {
    @Test("escaping", arguments: [
        ("proxy-1", "proxy-1"),
        ("a\nb", #"a\nb"#),
        ("a\r\n", #"a\r\n"#),
        ("tab\there", #"tab\there"#),
        ("back\\slash", #"back\\slash"#),
        ("\u{1b}[31mred", #"\u{1b}[31mred"#),
        ("nul\u{0}", #"nul\u{0}"#),
        ("del\u{7f} c1\u{85}", #"del\u{7f} c1\u{85}"#),
        ("line\u{2028}sep", #"line\u{2028}sep"#),
        ("bidi\u{202e}txt", #"bidi\u{202e}txt"#),
        ("café ✓ 日本", "café ✓ 日本"),
    ])
    func escaping(input: String, expected: String) {
        #expect(ClientText.escaped(input) == expected)
    }

    @Test("escaping bounds the output and says how much of the input was left out")
    func escapedLimit() {
        #expect(ClientText.escaped(String(repeating: "a", count: 300), limit: 256) == String(repeating: "a", count: 256) + "… (44 more bytes)")
        // An escape is never cut in half.
        #expect(ClientText.escaped("abc\u{1b}", limit: 5) == "abc… (1 more bytes)")
        #expect(ClientText.escaped(String(repeating: "\n", count: 1_000), limit: 10) == String(repeating: #"\n"#, count: 5) + "… (995 more bytes)")
    }

    @Test("truncation keeps whole characters and counts the bytes left out")
    func truncation() {
        #expect(ClientText.truncated("short", maxBytes: 10) == "short")
        #expect(ClientText.truncated("0123456789", maxBytes: 10) == "0123456789")
        #expect(ClientText.truncated("0123456789a", maxBytes: 10) == "0123456789… (1 more bytes)")
        // "é" is two bytes: a cut at 4 bytes keeps "xé" (3 bytes), not half of the second "é".
        #expect(ClientText.truncated("xééé", maxBytes: 4) == "xé… (4 more bytes)")
        #expect(ClientText.truncated("🙂🙂", maxBytes: 5) == "🙂… (4 more bytes)")
    }
}
