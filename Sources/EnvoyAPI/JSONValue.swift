import Foundation

/// A JSON value with ordered object keys, rendered as JSON or YAML.
///
/// Order matters for readers: Meridian's dumps list fields in proto field
/// order, like Envoy's own `/config_dump`, so the two can be compared.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.json() == rhs.json() }
    public func hash(into hasher: inout Hasher) { hasher.combine(json()) }

    /// The value of `key`, for objects.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// The text of a string value; nil for any other kind.
    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// JSON text, indented by two spaces per level.
    public func json(indent: Int = 0) -> String {
        var output = ""
        writeJSON(into: &output, indent: indent)
        return output
    }

    private func writeJSON(into output: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent + 2)
        let closePad = String(repeating: " ", count: indent)
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .number(let value): output += Self.format(value)
        case .string(let value): output += Self.quote(value)
        case .array(let values):
            guard !values.isEmpty else { output += "[]"; return }
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += pad
                value.writeJSON(into: &output, indent: indent + 2)
                output += index == values.count - 1 ? "\n" : ",\n"
            }
            output += closePad + "]"
        case .object(let members):
            guard !members.isEmpty else { output += "{}"; return }
            output += "{\n"
            for (index, (key, value)) in members.enumerated() {
                output += pad + Self.quote(key) + ": "
                value.writeJSON(into: &output, indent: indent + 2)
                output += index == members.count - 1 ? "\n" : ",\n"
            }
            output += closePad + "}"
        }
    }

    /// YAML text (block style; every string is double-quoted, so nothing is re-typed on reading).
    public func yaml() -> String {
        var output = ""
        writeYAML(into: &output, indent: 0, inSequence: false)
        if !output.hasSuffix("\n") { output += "\n" }
        return output
    }

    private var isScalarOrEmpty: Bool {
        switch self {
        case .array(let values): values.isEmpty
        case .object(let members): members.isEmpty
        default: true
        }
    }

    private func writeYAML(into output: inout String, indent: Int, inSequence: Bool) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .array(let values) where !values.isEmpty:
            for (index, value) in values.enumerated() {
                output += (index == 0 && inSequence ? "" : pad) + "- "
                if value.isScalarOrEmpty {
                    output += value.scalarYAML + "\n"
                } else {
                    value.writeYAML(into: &output, indent: indent + 2, inSequence: true)
                }
            }
        case .object(let members) where !members.isEmpty:
            for (index, (key, value)) in members.enumerated() {
                output += (index == 0 && inSequence ? "" : pad) + Self.yamlKey(key) + ":"
                if value.isScalarOrEmpty {
                    output += " " + value.scalarYAML + "\n"
                } else {
                    output += "\n"
                    value.writeYAML(into: &output, indent: indent + 2, inSequence: false)
                }
            }
        default:
            output += scalarYAML + "\n"
        }
    }

    private var scalarYAML: String {
        switch self {
        case .array: "[]"
        case .object: "{}"
        default: json()
        }
    }

    /// A mapping key, bare when YAML cannot mistake it for anything but a string.
    static func yamlKey(_ key: String) -> String {
        let bare = key.first.map { $0.isLetter || $0 == "_" } ?? false
            && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_.-/".contains($0)) }
            && !["true", "false", "yes", "no", "on", "off", "null", "y", "n"].contains(key.lowercased())
        return bare ? key : quote(key)
    }

    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func quote(_ value: String) -> String {
        var output = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                output += String(format: "\\u%04x", scalar.value)
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
