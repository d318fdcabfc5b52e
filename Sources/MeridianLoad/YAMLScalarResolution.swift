/// The type a YAML scalar resolves to, read the way Kubernetes reads manifests.
///
/// Kubernetes converts YAML to JSON with a YAML 1.1 reader, while YAML 1.2 tools read
/// some plain scalars differently (`yes`, `on`, `0777`). Plain scalars whose meaning
/// differs between the two get their own cases so decoders can refuse them with a clear
/// message instead of silently picking one reading. Quoted scalars are always strings.
enum YAMLScalarResolution: Equatable {
    /// `~`, `null`, or an empty plain scalar.
    case null
    /// `true` / `false` (in any of the capitalisations YAML allows).
    case bool(Bool)
    /// `yes`, `no`, `on`, `off`, `y`, `n`: a string in YAML 1.2, a boolean for Kubernetes (YAML 1.1).
    case yaml11Bool(Bool)
    /// A decimal or hexadecimal integer that fits in `Int`.
    case integer(Int)
    /// Integer-looking text whose value depends on the YAML version or does not fit in 64 bits
    /// (`0777` is octal in YAML 1.1; `1_000` and `0b101` are 1.1-only syntax).
    case ambiguousInteger
    /// A floating-point number, `.inf` or `.nan`.
    case float(Double)
    /// Anything else, and every quoted or block scalar.
    case string(String)

    /// Resolves a scalar given its explicit tag (nil when untagged).
    static func resolve(_ scalar: YAMLScalar, tag: String?) -> YAMLScalarResolution {
        switch tag {
        case nil:
            return scalar.isPlain ? resolvePlain(scalar.text) : .string(scalar.text)
        case "tag:yaml.org,2002:str", "!":
            return .string(scalar.text)
        case "tag:yaml.org,2002:null":
            return .null
        case "tag:yaml.org,2002:bool":
            let resolved = resolvePlain(scalar.text)
            if case .bool = resolved { return resolved }
            if case .yaml11Bool(let value) = resolved { return .bool(value) }
            return .string(scalar.text)
        case "tag:yaml.org,2002:int":
            let resolved = resolvePlain(scalar.text)
            switch resolved {
            case .integer, .ambiguousInteger: return resolved
            default: return .string(scalar.text)
            }
        case "tag:yaml.org,2002:float":
            let resolved = resolvePlain(scalar.text)
            switch resolved {
            case .float: return resolved
            case .integer(let value): return .float(Double(value))
            default: return .string(scalar.text)
            }
        default:
            // Unknown or local tags carry no type information Kubernetes would honour.
            return scalar.isPlain ? resolvePlain(scalar.text) : .string(scalar.text)
        }
    }

    /// Resolves the text of an untagged plain scalar.
    static func resolvePlain(_ text: String) -> YAMLScalarResolution {
        // Every null and boolean spelling is at most 5 bytes: longer text (most of a manifest)
        // is only checked for a number.
        if text.utf8.count <= 5 { return resolveShort(text) }
        if let number = resolveNumber(text) { return number }
        return .string(text)
    }

    private static func resolveShort(_ text: String) -> YAMLScalarResolution {
        // Every spelling begins with one of these (or is empty): other words skip the comparisons.
        if let first = text.utf8.first, !"~nNtTfFyYoO".utf8.contains(first) {
            return resolveNumber(text) ?? .string(text)
        }
        // Compared as literals (small strings compare in a word or two), not hashed.
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return .yaml11Bool(true)
        case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return .yaml11Bool(false)
        default: return resolveNumber(text) ?? .string(text)
        }
    }

    private static func resolveNumber(_ text: String) -> YAMLScalarResolution? {
        guard let first = text.utf8.first else { return nil }
        // Fast exit for the common case: ordinary words (before copying the bytes).
        guard first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".") || isDigit(first) else {
            return nil
        }
        let bytes = Array(text.utf8)
        var body = bytes[...]
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { body = body.dropFirst() }
        guard !body.isEmpty else { return nil }

        if body.allSatisfy(isDigit) {
            if body.count > 1 && body.first == UInt8(ascii: "0") { return .ambiguousInteger }
            if let value = Int(text) { return .integer(value) }
            return .ambiguousInteger
        }
        if body.count > 2, body.first == UInt8(ascii: "0") {
            let marker = body[body.startIndex + 1]
            let digits = body.dropFirst(2)
            if marker == UInt8(ascii: "x"), digits.allSatisfy(isHexDigit) {
                guard let magnitude = Int(String(decoding: digits, as: UTF8.self), radix: 16) else { return .ambiguousInteger }
                return .integer(first == UInt8(ascii: "-") ? -magnitude : magnitude)
            }
            if marker == UInt8(ascii: "o"), digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                return .ambiguousInteger
            }
            if marker == UInt8(ascii: "b"), digits.allSatisfy({ $0 == UInt8(ascii: "0") || $0 == UInt8(ascii: "1") }) {
                return .ambiguousInteger
            }
        }
        // YAML 1.1 allows `_` separators in integers; YAML 1.2 reads such text as a string.
        if body.contains(UInt8(ascii: "_")), body.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: "_") }), isDigit(body.first!) {
            return .ambiguousInteger
        }
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if isFloatSyntax(body), let value = Double(text) { return .float(value) }
        return nil
    }

    /// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the float syntax shared by YAML 1.1 and 1.2.
    private static func isFloatSyntax(_ body: ArraySlice<UInt8>) -> Bool {
        var index = body.startIndex
        var integerDigits = 0
        while index < body.endIndex, isDigit(body[index]) { index += 1; integerDigits += 1 }
        var fractionDigits = 0
        var sawDot = false
        if index < body.endIndex, body[index] == UInt8(ascii: ".") {
            sawDot = true
            index += 1
            while index < body.endIndex, isDigit(body[index]) { index += 1; fractionDigits += 1 }
        }
        if integerDigits == 0 && fractionDigits == 0 { return false }
        if integerDigits == 0 && !sawDot { return false }
        if index < body.endIndex, body[index] == UInt8(ascii: "e") || body[index] == UInt8(ascii: "E") {
            index += 1
            if index < body.endIndex, body[index] == UInt8(ascii: "-") || body[index] == UInt8(ascii: "+") { index += 1 }
            var exponentDigits = 0
            while index < body.endIndex, isDigit(body[index]) { index += 1; exponentDigits += 1 }
            if exponentDigits == 0 { return false }
        }
        return index == body.endIndex
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
