/// Text a proxy sent (node id and cluster, type URLs, resource names, nonces,
/// NACK messages, its peer address), made bounded for storage and safe for logs.
///
/// Nothing a client sends is trusted to be short or printable: a newline in a
/// `node.id` would otherwise start a forged log line, an ESC would drive the
/// operator's terminal, and a 16 MiB NACK text would be kept and logged whole.
public enum ClientText {
    /// How much of a NACK's error text is kept (stored, shown in `/proxies` and history, logged).
    /// 1,000 rejections in the registry's history then hold at most about 4 MiB of text.
    public static let rejectionMessageLimit = 4_096

    /// How many bytes of an identifier (node id, cluster, type URL, resource name, nonce) a log line shows.
    public static let identifierLogLimit = 256

    /// The first `maxBytes` bytes of `text`'s UTF-8, cut on a scalar boundary,
    /// followed by `… (N more bytes)` when anything was cut.
    public static func truncated(_ text: String, maxBytes: Int) -> String {
        let utf8 = text.utf8
        guard utf8.count > maxBytes else { return text }
        var kept = ""
        var keptBytes = 0
        for scalar in text.unicodeScalars {
            let width = UTF8.width(scalar)
            if keptBytes + width > maxBytes { break }
            kept.unicodeScalars.append(scalar)
            keptBytes += width
        }
        return kept + "… (\(utf8.count - keptBytes) more bytes)"
    }

    /// `text` with every control character escaped (`\n`, `\r`, `\t`, `\\`,
    /// others as `\u{1b}`), so that it stays on one log line and prints nothing
    /// the terminal would act on; at most `limit` bytes of UTF-8, then
    /// `… (N more bytes)` counting the input's bytes left out.
    public static func escaped(_ text: String, limit: Int = identifierLogLimit) -> String {
        var output = ""
        var written = 0
        var consumedBytes = 0
        let totalBytes = text.utf8.count
        for scalar in text.unicodeScalars {
            let piece = escape(scalar)
            let width = piece.utf8.count
            if written + width > limit {
                return output + "… (\(totalBytes - consumedBytes) more bytes)"
            }
            output += piece
            written += width
            consumedBytes += UTF8.width(scalar)
        }
        return output
    }

    /// One scalar as it may appear in a log line.
    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        case "\\": return "\\\\"
        default:
            return needsEscape(scalar) ? "\\u{\(String(scalar.value, radix: 16))}" : String(scalar)
        }
    }

    /// C0 and C1 controls and DEL; the Unicode line and paragraph separators,
    /// which some log viewers break lines on; and the bidirectional overrides,
    /// which can make a line read differently from what it holds.
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        default: false
        }
    }
}
