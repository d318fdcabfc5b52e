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

/// A value in double quotes with quotes, backslashes and control characters escaped, for messages.
func quoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
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
    return result + "\""
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
        case .integer, .ambiguousInteger, .float: return "the number \(scalar.text)"
        case .string(let text): return "the string \(quoted(text))"
        }
    }
}
