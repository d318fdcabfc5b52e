import Foundation
import Testing
import MeridianLoad

/// A temporary directory removed when the test ends.
private final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("meridian-load-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}

private let gatewayClass = """
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: meridian
spec:
  controllerName: example.com/meridian
"""

@Suite struct ConfigurationLoaderTests {
    @Test func loadsDirectoriesInNameOrderAndSkipsOtherFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("b.yml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\nspec:\n  ports: [{port: 80}]\n")
        try directory.write("a.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports: [{port: 80}]\n")
        try directory.write("c.json", "{}")
        try directory.write(".hidden.yaml", "not: [valid")
        try FileManager.default.createDirectory(atPath: directory.path + "/nested.yaml", withIntermediateDirectories: false)
        try directory.write("nested.yaml/ignored.yaml", "not: [valid")

        let result = ConfigurationLoader.load(paths: [directory.path])
        #expect(result.errors.isEmpty)
        #expect(result.services.map(\.metadata.name) == ["a", "b"])
        #expect(result.files == [directory.path + "/a.yaml", directory.path + "/b.yml"])
        #expect(result.services.first?.location == SourceLocation(file: directory.path + "/a.yaml", line: 1, column: 1))
    }

    @Test func orderIsIndependentOfArgumentOrderAndFilesLoadOnce() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write("1.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: one\nspec:\n  ports: [{port: 80}]\n")
        let second = try directory.write("2.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: two\nspec:\n  ports: [{port: 80}]\n")
        let forward = ConfigurationLoader.load(paths: [first, second])
        let backward = ConfigurationLoader.load(paths: [second, directory.path, first])
        #expect(forward.errors.isEmpty && backward.errors.isEmpty)
        #expect(forward.services.map(\.metadata.name) == ["one", "two"])
        #expect(backward.services == forward.services)
    }

    @Test func refusesOversizedFilesBeforeParsing() throws {
        let directory = try TemporaryDirectory()
        let big = try directory.write("big.yaml", "# " + String(repeating: "x", count: 100) + "\n[unparsed")
        let result = ConfigurationLoader.load(paths: [big], limits: LoadLimits(maxFileSize: 64))
        #expect(result.errors.map(\.description) == ["\(big):1:1: file is 112 bytes, larger than the limit of 64 bytes; it was not parsed"])
        #expect(result.errors.first?.code == .fileTooLarge)

        let inMemory = ConfigurationLoader.load(yaml: String(repeating: "#", count: 4 * 1024 * 1024 + 1), fileName: "huge.yaml")
        #expect(inMemory.errors.map(\.description) == [
            "huge.yaml:1:1: file is 4194305 bytes, larger than the limit of 4194304 bytes; it was not parsed",
        ])
    }

    @Test func reportsUnreadablePaths() {
        let result = ConfigurationLoader.load(paths: ["/nonexistent/meridian/routes.yaml"])
        #expect(result.errors.map(\.description) == ["/nonexistent/meridian/routes.yaml:1:1: cannot read: no such file or directory"])
        #expect(result.errors.first?.code == .fileUnreadable)
    }

    @Test func refusesNamedPipesAndDevicesAsNotRegularFiles() throws {
        let directory = try TemporaryDirectory()
        try directory.write("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n")
        let pipe = directory.path + "/pipe.yaml"
        #expect(mkfifo(pipe, 0o644) == 0)
        // Reading the pipe would block for ever; it is refused, and named as the user named its directory.
        let given = directory.path + "/./"
        let result = ConfigurationLoader.load(paths: [given])
        #expect(result.errors.map(\.description) == ["\(given)pipe.yaml:1:1: cannot read: not a regular file (a named pipe)"])
        #expect(result.services.map(\.metadata.name) == ["a"])
        #expect(ConfigurationLoader.load(paths: [pipe]).errors.map(\.description) == ["\(pipe):1:1: cannot read: not a regular file (a named pipe)"])
        #expect(ConfigurationLoader.load(paths: ["/dev/null"]).errors.map(\.description) == ["/dev/null:1:1: cannot read: not a regular file (a character device)"])
    }

    @Test func reportsDuplicateResourcesAtTheSecondWithTheFirstsLocation() {
        let result = ConfigurationLoader.load(sources: [
            ManifestSource(name: "a.yaml", text: gatewayClass),
            ManifestSource(name: "b.yaml", text: "# copy\n" + gatewayClass),
        ])
        #expect(result.gatewayClasses.count == 1)
        #expect(result.errors.map(\.description) == [
            "b.yaml:5:9: metadata.name: duplicate GatewayClass \"meridian\" (first defined at a.yaml:4:9); the first one is used",
        ])
        #expect(result.errors.first?.code == .duplicateResource)

        // Same name in different namespaces, or of different kinds, is not a duplicate.
        let distinct = load("""
        apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: ns1}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: ns2}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a}
        spec: {ports: [{port: 80}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: default}
        spec: {ports: [{port: 80}]}
        """)
        #expect(distinct.services.count == 3)
        #expect(distinct.errors.map(\.description) == [
            "test.yaml:18:18: metadata.name: duplicate Service \"default/a\" (first defined at test.yaml:13:18); the first one is used",
        ])
    }

    @Test func ignoresKindsOfOtherGroupsWithANote() {
        let yaml = """
        apiVersion: networking.istio.io/v1beta1
        kind: Gateway
        metadata:
          name: istio
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec: {replicas: 2}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: settings}
        automountServiceAccountToken: false
        """
        let result = load(yaml)
        #expect(result.errors.isEmpty)
        #expect(result.ignored == [
            IgnoredDocument(
                apiVersion: "networking.istio.io/v1beta1", kind: "Gateway", name: "istio",
                location: SourceLocation(file: "test.yaml", line: 1, column: 1), documentIndex: 0,
                reason: "Meridian does not read networking.istio.io/v1beta1 Gateway objects"
            ),
            IgnoredDocument(
                apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "shop",
                location: SourceLocation(file: "test.yaml", line: 6, column: 1), documentIndex: 1,
                reason: "Meridian does not read apps/v1 Deployment objects"
            ),
            IgnoredDocument(
                apiVersion: "v1", kind: "ServiceAccount", name: "settings",
                location: SourceLocation(file: "test.yaml", line: 11, column: 1), documentIndex: 2,
                reason: "Meridian does not read v1 ServiceAccount objects"
            ),
        ])
        #expect(result.isValid)
    }

    @Test func requiresAPIVersionKindAndName() {
        let yaml = """
        kind: Service
        metadata:
          namespace: x
        ---
        apiVersion: example.com/v1
        kind: Widget
        metadata: {}
        ---
        - not an object
        """
        #expect(errorLines(yaml) == [
            "test.yaml:1:1: apiVersion: required field is missing",
            "test.yaml:3:3: metadata.name: required field is missing",
            "test.yaml:7:11: metadata.name: required field is missing",
            "test.yaml:9:1: not a Kubernetes object: the document is a list, not a mapping with apiVersion and kind",
        ])
    }

    @Test func validatesMetadata() {
        let yaml = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: Route
          namespace: team_a
          labels:
            app: web
            bad key: x
            version: 1
          annotations:
            example.com/note: anything goes here
          creationTimestamp: yesterday
        spec: {}
        """
        #expect(errorLines(yaml) == [
            "test.yaml:4:9: metadata.name: \"Route\" must be a lowercase RFC 1123 subdomain (a-z, 0-9, '-' and '.', each label starting and ending with a letter or digit)",
            "test.yaml:5:14: metadata.namespace: \"team_a\" must be a lowercase RFC 1123 label (a-z, 0-9 and '-', starting and ending with a letter or digit)",
            "test.yaml:8:5: metadata.labels[bad key]: invalid key \"bad key\": the name part must consist of letters, digits, '-', '_' and '.', starting and ending with a letter or digit",
            "test.yaml:9:14: metadata.labels[version]: expected a string, got the number 1; quote it to make it a string",
            "test.yaml:12:22: metadata.creationTimestamp: \"yesterday\" is not an RFC 3339 timestamp (e.g. \"2024-05-01T12:00:00Z\")",
        ])
        #expect(load("apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  creationTimestamp: 2024-05-01T12:00:00Z\nspec: {ports: [{port: 1}]}\n")
            .services.first?.metadata.creationTimestamp == "2024-05-01T12:00:00Z")
    }

    @Test func ordersErrorsByFileLineAndColumn() {
        let result = ConfigurationLoader.load(sources: [
            ManifestSource(name: "z.yaml", text: "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports: [{port: 0}]\n"),
            ManifestSource(name: "a.yaml", text: "a: [\n"),
        ])
        // Sources keep the order they were given in; within a file, errors follow the text.
        #expect(result.errors.map(\.location.file) == ["z.yaml", "a.yaml"])
    }
}

@Suite struct LoadErrorTests {
    @Test func rendersCompilerStyleDescriptions() {
        let located = SourceLocation(file: "routes.yaml", line: 14, column: 9)
        let withPath = LoadError(code: .invalidValue, message: "must be between 0 and 1000000", location: located, fieldPath: "spec.rules[0].backendRefs[1].weight")
        #expect(withPath.description == "routes.yaml:14:9: spec.rules[0].backendRefs[1].weight: must be between 0 and 1000000")
        let withoutPath = LoadError(code: .malformedYAML, message: "did not find expected key", location: SourceLocation(file: "routes.yaml", line: 3, column: 5))
        #expect(withoutPath.description == "routes.yaml:3:5: did not find expected key")
        #expect("\(withoutPath)" == withoutPath.description)
    }
}
