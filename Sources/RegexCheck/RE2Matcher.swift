import CRE2

/// Matches text against a pattern exactly as Envoy 1.40's default regex engine does for a
/// `safe_regex` (`CompiledGoogleReMatcher::match`: `RE2::FullMatch`, Latin-1), so a tool that
/// predicts Envoy's routing decides regular expressions with Envoy's own engine, not an
/// approximation of it.
public enum RE2Matcher {
    /// Whether the whole of `text` matches `pattern`; nil when RE2 cannot compile the pattern
    /// (Envoy would have refused the configuration, so nothing it serves contains one).
    ///
    /// Both are handed to RE2 as their UTF-8 bytes, read as Latin-1, which is what Envoy does
    /// with the bytes of a configured pattern and of a request's path or header value.
    public static func fullMatch(_ pattern: String, _ text: String) -> Bool? {
        // The same rewrite the check applies: newer RE2 (Envoy's) accepts `(?<name>re)`.
        var pattern = NamedGroupSyntax.pythonStyle(pattern)
        var text = text
        let result = pattern.withUTF8 { patternBytes in
            text.withUTF8 { textBytes in
                patternBytes.withMemoryRebound(to: CChar.self) { patternCharacters in
                    textBytes.withMemoryRebound(to: CChar.self) { textCharacters in
                        meridian_re2_full_match(patternCharacters.baseAddress, patternCharacters.count, textCharacters.baseAddress, textCharacters.count)
                    }
                }
            }
        }
        switch result {
        case 1: return true
        case 0: return false
        default: return nil
        }
    }
}
