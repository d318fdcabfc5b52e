import Foundation
import Testing
import MeridianLoad

/// No file under the size limit costs more than a bounded amount of time and memory to
/// load, however it is built, and no load prints more than a bounded list of errors.
/// Costs are measured in a child process (`LoadCost`), in the debug build the tests run.
@Suite struct BoundedDiagnosticsTests {
    static let maxSeconds = 1.0
    static let maxPeakBytes = 64 * 1024 * 1024

    /// A scratch file holding `text`.
    private func write(_ name: String, _ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-bounded-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name).path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @discardableResult
    private func expectBounded(_ file: String) throws -> LoadCost.Measurement {
        let cost = try LoadCost.measure(file)
        #expect(cost.seconds < Self.maxSeconds, "\(cost)")
        #expect(cost.peakBytes < Self.maxPeakBytes, "\(cost)")
        #expect(cost.errorCount <= LoadLimits().maxErrorsPerFile + 1, "\(cost)")
        print("cost of \((file as NSString).lastPathComponent): \(cost)")
        return cost
    }

    @Test func aLongScalarReferencedThousandsOfTimesByAlias() throws {
        // 130 KB: a 90,000-character scalar, then 9,999 aliases to it where ports belong.
        // It used to cost 0.9 GB of errors, each quoting the scalar whole.
        let scalar = String(repeating: "x", count: 90_000)
        let aliases = Array(repeating: "*x", count: 9_999).joined(separator: ", ")
        let file = try write("alias.yaml", """
        apiVersion: v1
        kind: Service
        metadata:
          name: s
          annotations:
            a: &x "\(scalar)"
        spec:
          ports: [\(aliases)]
        """)
        try expectBounded(file)
        // 11 copies fit in 1 MiB; the 12th alias is refused.
        #expect(ConfigurationLoader.load(paths: [file]).errors.map(\.description) == [
            "\(file):8:55: alias expansion exceeds the limit of 1048576 bytes per file",
        ])
    }

    @Test func aMillionEmptyMappingsInOneList() throws {
        // 4 MiB, 1.4 million `{}`: it used to cost 1.1 GB and 2.8 million errors.
        let head = "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n  - backendRefs: ["
        let count = (LoadLimits().maxFileSize - head.utf8.count - 2) / 3
        let file = try write("braces.yaml", head + Array(repeating: "{}", count: count).joined(separator: ",") + "]\n")
        try expectBounded(file)
        // 16 nodes come before the list; the 99,985th `{}` is the 100,001st node.
        let column = "  - backendRefs: [".count + 1 + 99_984 * 3
        #expect(ConfigurationLoader.load(paths: [file]).errors.map(\.description) == [
            "\(file):7:\(column): the document has more than 100000 nodes; the rest of the file was not read",
        ])
    }

    @Test func manySmallDocumentsEachWithAnError() throws {
        // 4 MiB of documents that are not Kubernetes objects: 500 errors, then no more reading.
        let document = "{a: 1}\n---\n"
        let count = LoadLimits().maxFileSize / document.utf8.count
        let file = try write("many.yaml", String(repeating: document, count: count))
        let cost = try expectBounded(file)
        #expect(cost.errorCount == 501)
        let errors = ConfigurationLoader.load(paths: [file]).errors
        #expect(errors.count == 501)
        #expect(errors.last?.description == "\(file):1001:1: … and more errors: after 500 errors the rest of the file was not read")
        #expect(errors.last?.code == .errorLimit)
    }

    @Test func manySmallDocumentsSharingAnAliasBudget() throws {
        // Each document's aliases stay far below the limit; the file's add up past it.
        let document = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n---\n"
        let file = try write("aliases.yaml", String(repeating: document, count: 200))
        let errors = ConfigurationLoader.load(paths: [file]).errors
        // 10 nodes per alias, 100 per document: the 1,001st alias passes 10,000 nodes.
        #expect(errors.last?.description == "\(file):302:5: alias expansion exceeds the limit of 10000 nodes per file")
    }

    @Test func aDocumentReportsAtMostAHundredErrors() {
        let fields = (0..<300).map { "  field\($0): x" }.joined(separator: "\n")
        let lines = errorLines("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n\(fields)\n")
        #expect(lines.count == 101)
        #expect(lines.first == "test.yaml:7:3: spec.field0: unknown field")
        #expect(lines.last == "test.yaml:107:3: … and 200 more errors in this document")
    }

    @Test func aPolicyWithMoreErrorsThanTheBudgetIsStillSetAsideAlone() {
        let fields = (0..<150).map { "  field\($0): x" }.joined(separator: "\n")
        let loaded = load("""
        apiVersion: kgateway.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: retry, namespace: ai}
        spec:
        \(fields)
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {ports: [{port: 80}]}
        """)
        #expect(loaded.errors.count == 101)
        #expect(loaded.errors.last?.description == "test.yaml:105:3: … and 50 more errors in this document")
        #expect(loaded.rejected.map(\.qualifiedName) == ["ai/retry"])
        #expect(loaded.isServable && loaded.services.count == 1)
    }

    @Test func longValuesAreQuotedBriefly() {
        let long = String(repeating: "a", count: 5_000)
        // libyaml reads keys this long only in explicit form (`? key`).
        let lines = errorLines("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 80}]\n  type: \(long)\n  ? \(long)\n  : 1\n")
        let prefix = String(repeating: "a", count: 100)
        #expect(lines == [
            "test.yaml:7:9: spec.type: unsupported value \"\(prefix)…\" (5000 characters); supported values: \"ClusterIP\", \"NodePort\", \"LoadBalancer\", \"ExternalName\"",
            "test.yaml:8:5: spec.\(prefix)… (5000 characters): unknown field",
        ])
    }

    @Test func aListOverItsLimitIsNotDecodedPastIt() {
        let references = Array(repeating: "{}", count: 1_000).joined(separator: ", ")
        let lines = errorLines("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r}\nspec:\n  rules: [{backendRefs: [\(references)]}]\n")
        // The limit, then the two problems of each of the first 16 references only.
        #expect(lines.count == 1 + 16 * 2)
        #expect(lines.first == "test.yaml:5:25: spec.rules[0].backendRefs: must have at most 16 items, got 1000")
    }
}
