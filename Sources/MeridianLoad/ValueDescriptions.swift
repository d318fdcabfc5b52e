// How values and nodes are written inside error messages.

extension YAMLNode.Content {
    /// "mapping", "sequence" or "scalar", for messages.
    var kindName: String {
        switch self {
        case .mapping: "mapping"
        case .sequence: "sequence"
        case .scalar: "scalar"
        }
    }
}

/// How many characters of a value a message shows; longer values are cut (see `brief`).
let briefLength = 100

/// `text`, or when it is longer than `briefLength` characters, its beginning, `…` and its
/// length: `xxxx… (90000 characters)`. A message quoting a huge value would otherwise be
/// as huge, once per error.
func brief(_ text: String) -> String {
    guard text.utf8.count > briefLength else { return text }
    let count = text.count
    guard count > briefLength else { return text }
    return String(text.prefix(briefLength)) + "… (\(count) characters)"
}

/// A value in double quotes with quotes, backslashes and control characters escaped, for
/// messages; a long value is cut after `briefLength` characters and its length given.
func quoted(_ text: String) -> String {
    var result = "\""
    let count = text.utf8.count > briefLength ? text.count : 0
    for scalar in text.unicodeScalars.prefix(count > briefLength ? briefLength : Int.max) {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return count > briefLength ? result + "…\" (\(count) characters)" : result + "\""
}

/// How a node reads in a message: "a mapping", "the string \"80\"", "the boolean true"...
func describe(_ node: YAMLNode) -> String {
    switch node.content {
    case .mapping:
        return "a mapping"
    case .sequence:
        return "a list"
    case .scalar(let scalar):
        switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
        case .null: return "null"
        case .bool(let value): return "the boolean \(value)"
        case .yaml11Bool(let value): return "\(scalar.text), which Kubernetes (YAML 1.1) reads as the boolean \(value)"
        case .integer, .ambiguousInteger, .float: return "the number \(brief(scalar.text))"
        case .string(let text): return "the string \(quoted(text))"
        }
    }
}
