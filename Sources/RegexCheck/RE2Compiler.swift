import CRE2

/// What RE2 makes of a pattern.
public enum RE2Compilation: Sendable, Hashable {
    /// The pattern compiles; RE2's program size (its count of instructions).
    case compiled(programSize: Int)
    /// RE2 refuses the pattern, with RE2's own error text (`invalid perl operator: (?=`).
    case invalid(reason: String)
}

/// Compiles patterns with RE2 (Debian's `libre2`, through the `CRE2` shim) the way
/// Envoy 1.40's Google RE2 engine does: Latin-1 encoding, RE2's default memory budget.
public enum RE2Compiler {
    /// Compiles `pattern`. Named groups written `(?<name>re)`, which newer RE2 releases
    /// (Envoy's) accept and Debian's 2022 release does not, are compiled as the
    /// equivalent `(?P<name>re)`: the program is the same.
    public static func compile(_ pattern: String) -> RE2Compilation {
        let rewritten = NamedGroupSyntax.pythonStyle(pattern)
        switch compileExactly(rewritten) {
        case .compiled(let size):
            return .compiled(programSize: size)
        case .invalid(let reason):
            // Say it in the user's own syntax when the rewrite cannot be confused with it.
            let shown = rewritten != pattern && !pattern.contains("(?P<")
                ? reason.replacing("(?P<", with: "(?<")
                : reason
            return .invalid(reason: shown)
        }
    }

    /// Compiles `pattern` as it is, with no rewriting.
    static func compileExactly(_ pattern: String) -> RE2Compilation {
        var programSize: Int32 = 0
        var errorBuffer = [CChar](repeating: 0, count: 512)
        var text = pattern
        let code = text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                meridian_re2_check(characters.baseAddress, characters.count, &programSize, &errorBuffer, errorBuffer.count)
            }
        }
        guard code != 0 else { return .compiled(programSize: Int(programSize)) }
        let length = errorBuffer.firstIndex(of: 0) ?? errorBuffer.count
        let bytes = errorBuffer[..<length].map { UInt8(bitPattern: $0) }
        return .invalid(reason: latin1Restored(String(decoding: bytes, as: UTF8.self)))
    }

    /// RE2 quotes the pattern in its errors after reading it as Latin-1 and writing it
    /// back as UTF-8, so `é` comes back as `Ã©`; this undoes that for display.
    static func latin1Restored(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x80 }),
              text.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) else { return text }
        let bytes = text.unicodeScalars.map { UInt8($0.value) }
        return String(validating: bytes, as: UTF8.self) ?? text
    }
}

/// The named group syntax newer RE2 releases added.
enum NamedGroupSyntax {
    /// `pattern` with every `(?<name>` group opener written `(?P<name>`; escapes,
    /// `\Q...\E` literals and character classes are left alone, as are `(?<=` and `(?<!`
    /// (lookbehinds, which RE2 refuses either way).
    static func pythonStyle(_ pattern: String) -> String {
        let bytes = Array(pattern.utf8)
        guard pattern.contains("(?<") else { return pattern }
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 8)
        var index = 0
        func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
        func copy(_ count: Int) {
            let end = min(index + count, bytes.count)
            output += bytes[index..<end]
            index = end
        }
        /// Copies a character class: `]` first (after `[` or `[^`) is a literal, `[:alpha:]` nests, `\` escapes.
        func copyClass() {
            copy(at(1) == UInt8(ascii: "^") ? 2 : 1)
            if at(0) == UInt8(ascii: "]") { copy(1) }
            while index < bytes.count, bytes[index] != UInt8(ascii: "]") {
                if bytes[index] == UInt8(ascii: "\\") {
                    copy(2)
                } else if bytes[index] == UInt8(ascii: "["), at(1) == UInt8(ascii: ":"),
                          let close = (index + 2..<max(index + 2, bytes.count - 1)).first(where: { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "]") }) {
                    copy(close + 2 - index)
                } else {
                    copy(1)
                }
            }
            copy(1)
        }
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\") where at(1) == UInt8(ascii: "Q"):
                // A literal up to `\E` (or the end).
                copy(2)
                while index < bytes.count, !(bytes[index] == UInt8(ascii: "\\") && at(1) == UInt8(ascii: "E")) { copy(1) }
                copy(2)
            case UInt8(ascii: "\\"):
                copy(2)
            case UInt8(ascii: "["):
                copyClass()
            case UInt8(ascii: "(") where at(1) == UInt8(ascii: "?") && at(2) == UInt8(ascii: "<")
                && at(3) != nil && at(3) != UInt8(ascii: "=") && at(3) != UInt8(ascii: "!"):
                output += Array("(?P<".utf8)
                index += 3
            default:
                copy(1)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
