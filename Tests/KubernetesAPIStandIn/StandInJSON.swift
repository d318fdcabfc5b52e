import Foundation

/// A JSON value the stand-in can hold across tasks (Foundation's `Any` trees are not
/// `Sendable`), written with sorted keys.
public indirect enum StandInJSON: Sendable, Equatable {
    case object([String: StandInJSON])
    case array([StandInJSON])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    enum ConversionError: Error { case unsupported(String) }

    static func object(from dictionary: [String: Any]) throws -> [String: StandInJSON] {
        try dictionary.mapValues(value(from:))
    }

    static func value(from any: Any) throws -> StandInJSON {
        switch any {
        case let dictionary as [String: Any]: return .object(try object(from: dictionary))
        case let array as [Any]: return .array(try array.map(value(from:)))
        case let string as String: return .string(string)
        case let number as NSNumber:
            // JSONSerialization gives booleans as NSNumber too; their type tells them apart.
            if String(cString: number.objCType) == "c" { return .bool(number.boolValue) }
            return .number(number.doubleValue)
        case is NSNull: return .null
        default: throw ConversionError.unsupported("\(type(of: any))")
        }
    }

    func json() -> [UInt8] {
        var out: [UInt8] = []
        write(into: &out)
        return out
    }

    private func write(into out: inout [UInt8]) {
        switch self {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                StandInJSON.string(key).write(into: &out)
                out.append(UInt8(ascii: ":"))
                members[key]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let text):
            let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
            // `["…"]`: the string with JSON escaping, without the brackets.
            out.append(contentsOf: data.dropFirst().dropLast())
        case .number(let value):
            out.append(contentsOf: Array((value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)).utf8))
        case .bool(let value):
            out.append(contentsOf: Array((value ? "true" : "false").utf8))
        case .null:
            out.append(contentsOf: Array("null".utf8))
        }
    }
}
