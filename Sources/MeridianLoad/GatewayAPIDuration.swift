/// A Gateway API `Duration`: 1 to 4 groups of up to 5 digits and a unit (`h`, `m`, `s`, `ms`), e.g. `1h30m`, `500ms`.
///
/// Gateway API uses this subset of Go's duration syntax (pattern `^([0-9]{1,5}(h|m|s|ms)){1,4}$`)
/// so that every data plane can represent every value.
public struct GatewayAPIDuration: Sendable, Hashable, CustomStringConvertible {
    /// The text as written.
    public var text: String
    /// The parsed length.
    public var duration: Duration

    /// Parses `text`; nil when it does not match the Gateway API duration syntax.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        var index = 0
        var groups = 0
        var milliseconds: Int64 = 0
        while index < bytes.count {
            let digitsStart = index
            var value: Int64 = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
                // A sixth digit is refused before it is added: many digits would overflow.
                guard index - digitsStart < 5 else { return nil }
                value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            guard (1...5).contains(index - digitsStart), index < bytes.count else { return nil }
            let unit: Int64
            switch bytes[index] {
            case UInt8(ascii: "h"):
                unit = 3_600_000
                index += 1
            case UInt8(ascii: "m"):
                if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "s") {
                    unit = 1
                    index += 2
                } else {
                    unit = 60_000
                    index += 1
                }
            case UInt8(ascii: "s"):
                unit = 1_000
                index += 1
            default:
                return nil
            }
            groups += 1
            guard groups <= 4 else { return nil }
            milliseconds += value * unit
        }
        guard groups > 0 else { return nil }
        self.text = text
        self.duration = .milliseconds(milliseconds)
    }

    /// The text as written.
    public var description: String { text }
}
