import Foundation
import MeridianTestSupport
import Testing

/// Keeps the catalogue, the transcriptions and the README table in step.
@Suite("Conformance catalogue")
struct ConformanceCatalogueTests {
    static let sources = RepositoryPaths.root.appendingPathComponent("Tests/MeridianConformanceTests")
    static let readme = RepositoryPaths.root.appendingPathComponent("Tests/Conformance/README.md")

    /// Names passed to `conformance("…"` in this target's sources.
    static func transcribed() throws -> Set<String> {
        var names: Set<String> = []
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
        for file in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in text.matches(of: /try await conformance\("(\w+)"/) { names.insert(String(match.1)) }
        }
        return names
    }

    @Test("every transcribed test is in the catalogue as passing or failing, and every such entry is transcribed")
    func transcriptionsMatchCatalogue() throws {
        let transcribed = try Self.transcribed()
        for entry in ConformanceCatalogue.entries {
            switch entry.state {
            case .passes, .failing:
                #expect(transcribed.contains(entry.name), "\(entry.name) is \(entry.state) in the catalogue but has no transcription")
            case .notTranscribed, .notApplicable:
                #expect(!transcribed.contains(entry.name), "\(entry.name) has a transcription: mark it .passes or .failing")
            }
        }
        let names = Set(ConformanceCatalogue.entries.map(\.name))
        #expect(names.count == ConformanceCatalogue.entries.count, "duplicate catalogue entries")
        for name in transcribed { #expect(names.contains(name), "\(name) is transcribed but not in the catalogue") }
    }

    /// The README table, generated from the catalogue.
    static func table() -> String {
        let entries = ConformanceCatalogue.entries
        let passing = entries.filter { $0.state == .passes }.count
        let failing = entries.filter { if case .failing = $0.state { true } else { false } }.count
        let untranscribed = entries.filter { if case .notTranscribed = $0.state { true } else { false } }.count
        let notApplicable = entries.filter { if case .notApplicable = $0.state { true } else { false } }.count
        var lines = [
            "<!-- generated from ConformanceCatalogue.swift; MERIDIAN_WRITE_CONFORMANCE_TABLE=1 swift test --filter ConformanceCatalogueTests rewrites it -->",
            "**\(passing) pass** of \(entries.count) upstream tests; \(failing) transcribed and failing; \(untranscribed) not transcribed yet (not passing); \(notApplicable) not applicable.",
            "",
            "| Upstream test | Features | Meridian |",
            "|---|---|---|",
        ]
        for entry in entries {
            let features = entry.features.split(separator: ",").filter { $0 != "Gateway" }.joined(separator: ", ") + (entry.provisional ? " (provisional)" : "")
            let state: String
            switch entry.state {
            case .passes: state = "pass"
            case .failing(let reason): state = "**failing**: \(reason)"
            case .notTranscribed(let reason): state = "not passing (not transcribed): \(reason)"
            case .notApplicable(let reason): state = "not applicable: \(reason)"
            }
            lines.append("| \(entry.name) | \(features) | \(state) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test("Tests/Conformance/README.md shows the catalogue")
    func readmeTable() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let begin = "<!-- table begin -->\n", end = "<!-- table end -->"
        guard let start = text.range(of: begin), let stop = text.range(of: end) else {
            Issue.record("Tests/Conformance/README.md has no table markers")
            return
        }
        let current = String(text[start.upperBound..<stop.lowerBound])
        let wanted = Self.table()
        if current != wanted, ProcessInfo.processInfo.environment["MERIDIAN_WRITE_CONFORMANCE_TABLE"] == "1" {
            try (String(text[..<start.upperBound]) + wanted + String(text[stop.lowerBound...])).write(to: Self.readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(current == wanted, "the README table is stale: run MERIDIAN_WRITE_CONFORMANCE_TABLE=1 swift test --skip-build --filter ConformanceCatalogueTests")
    }
}
