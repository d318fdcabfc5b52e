import Foundation

/// Samples parsed from the Prometheus text exposition format (version 0.0.4), as Envoy's
/// `/stats/prometheus` and Meridian's `/metrics` write it.
public struct PrometheusText: Sendable {
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double
    }

    public var samples: [Sample]

    /// Parses `text`; a line that is not a comment, blank or a well-formed sample is an error,
    /// so a change in the format fails the test instead of losing samples.
    public init(_ text: String) throws {
        samples = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let sample = Self.sample(trimmed) else {
                throw FixtureError("line \(number + 1) is not a Prometheus sample: \(trimmed)")
            }
            samples.append(sample)
        }
    }

    /// Every sample name (histograms appear as `<name>_bucket`, `_sum` and `_count`).
    public var names: Set<String> { Set(samples.map(\.name)) }

    /// The samples named `name` whose labels include all of `labels`.
    public func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum of the samples named `name` with `labels` (0 when there are none).
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples(name, labels).reduce(0) { $0 + $1.value }
    }

    /// `name{a="x",b="y"} value [timestamp]`
    static func sample(_ line: String) -> Sample? {
        let characters = Array(line)
        var index = 0
        while index < characters.count, characters[index] != "{", characters[index] != " " { index += 1 }
        let name = String(characters[0..<index])
        guard !name.isEmpty else { return nil }
        var labels: [String: String] = [:]
        if index < characters.count, characters[index] == "{" {
            index += 1
            while index < characters.count, characters[index] != "}" {
                let keyStart = index
                while index < characters.count, characters[index] != "=" { index += 1 }
                let key = String(characters[keyStart..<index]).trimmingCharacters(in: CharacterSet(charactersIn: ", "))
                index += 1
                guard index < characters.count, characters[index] == "\"" else { return nil }
                index += 1
                var value = ""
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count {
                        index += 1
                        value.append(characters[index] == "n" ? "\n" : characters[index])
                    } else {
                        value.append(characters[index])
                    }
                    index += 1
                }
                guard index < characters.count else { return nil }
                index += 1
                labels[key] = value
                if index < characters.count, characters[index] == "," { index += 1 }
            }
            guard index < characters.count else { return nil }
            index += 1
        }
        let rest = String(characters[index...]).split(separator: " ")
        guard let text = rest.first else { return nil }
        let value: Double?
        switch text {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default: value = Double(text)
        }
        guard let value else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }
}
