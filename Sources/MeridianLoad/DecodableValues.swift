// Value types shared by the `Decodable` policy models: enums with Kubernetes-style error
// messages, Gateway API durations and Kubernetes quantities. Their decoding errors carry
// only the reason; the YAML decoder adds file, line, column and field path.

/// A string enum as written in a CRD (`+kubebuilder:validation:Enum`); an unknown value is
/// refused with the list of supported ones.
public protocol KubernetesEnum: RawRepresentable, CaseIterable, Decodable, Sendable, Hashable where RawValue == String {}

extension KubernetesEnum {
    /// Decodes the raw value; an unknown value fails with `unsupported value "X"; supported values: ...`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            let supported = Self.allCases.map { quoted($0.rawValue) }.joined(separator: ", ")
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "unsupported value \(quoted(text)); supported values: \(supported)"
            ))
        }
        self = value
    }
}

extension GatewayAPIDuration: Decodable {
    /// The message for text that is not a Gateway API duration.
    static func syntaxProblem(_ text: String) -> String {
        "invalid duration \(quoted(text)): must be 1 to 4 groups of up to 5 digits followed by h, m, s or ms (e.g. \"30s\", \"1m30s\", \"500ms\")"
    }

    /// Decodes a duration string such as `30s` or `1m30s`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let duration = GatewayAPIDuration(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: Self.syntaxProblem(text)
            ))
        }
        self = duration
    }
}

/// A Kubernetes `resource.Quantity` such as `2Gi`, `500m` or `64Ki`, written as a string or a number.
public struct KubernetesQuantity: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// The quantity as written.
    public var text: String

    /// Creates a quantity from its text; nil when it is not quantity syntax.
    public init?(_ text: String) {
        guard Self.parse(text) != nil else { return nil }
        self.text = text
    }

    /// The value rounded down to a whole number (`64Ki` is 65536, `500m` is 0); nil when it does not fit in `Int`.
    public var integerValue: Int? {
        guard let (mantissa, multiplier) = Self.parse(text) else { return nil }
        let value = mantissa * multiplier
        guard value.isFinite, value < 9.2e18, value > -9.2e18 else { return nil }
        return Int(value.rounded(.down))
    }

    /// The text as written.
    public var description: String { text }

    private static let suffixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", 1e-9), ("u", 1e-6), ("m", 1e-3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15), ("E", 1e18),
    ]

    /// `<signed decimal><suffix>` or `<signed decimal>e<exponent>`.
    private static func parse(_ text: String) -> (Double, Double)? {
        var number = Substring(text)
        var multiplier = 1.0
        if let (suffix, factor) = suffixes.first(where: { text.hasSuffix($0.0) }) {
            number = number.dropLast(suffix.count)
            multiplier = factor
        }
        let body = number.drop { $0 == "+" || $0 == "-" }
        guard body.count + 1 >= number.count, let first = body.first, first.isASCIIDigit || first == "." else { return nil }
        let isDecimal = body.allSatisfy { $0.isASCIIDigit || $0 == "." } && body.filter { $0 == "." }.count <= 1
        let isExponent = multiplier == 1 && body.contains { $0 == "e" || $0 == "E" }
        guard isDecimal || isExponent, let value = Double(String(number)) else { return nil }
        return (value, multiplier)
    }

    /// Decodes a quantity from a string (`"2Gi"`) or a plain number (`1`, `0.5`).
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(ScalarText.self).text
        guard let quantity = KubernetesQuantity(text) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: decoder.codingPath,
                debugDescription: "invalid quantity \(quoted(text)): must be a number with an optional suffix (e.g. \"1\", \"500m\", \"2Gi\")"
            ))
        }
        self = quantity
    }
}

/// The text of a scalar whatever YAML type it resolves to (`1`, `0.5` and `"2Gi"` alike), for
/// values Kubernetes accepts as a number or a string.
struct ScalarText: Decodable {
    var text: String

    init(text: String) {
        self.text = text
    }

    /// For decoders other than `YAMLObjectDecoder` (which reads the scalar's text directly).
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let string = try? container.decode(String.self) {
            text = string
        } else if let integer = try? container.decode(Int.self) {
            text = String(integer)
        } else {
            text = String(try container.decode(Double.self))
        }
    }
}
