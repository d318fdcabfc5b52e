import MeridianLoad
import Testing

/// `keepingLastGoodVersions` puts back what was set aside, for every kind the loader collects.
@Suite("Per-object isolation: last good versions")
struct ObjectIsolationTests {
    static let good = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: ca, namespace: ns}
    data: {ca.crt: "-----BEGIN CERTIFICATE-----"}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: svc, namespace: ns}
    spec: {ports: [{port: 80}]}
    """

    @Test("a ConfigMap and a Service with errors keep their last good versions; nothing is put back twice")
    func everyKind() throws {
        let previous = ConfigurationLoader.load(yaml: Self.good, fileName: "a.yaml")
        #expect(previous.errors.isEmpty, "\(previous.errors)")
        let broken = Self.good.replacingOccurrences(of: "\ndata: {", with: "\ndta: {").replacingOccurrences(of: "ports: [{port: 80}]", with: "ports: [{port: 0}]")
        var current = ConfigurationLoader.load(yaml: broken, fileName: "a.yaml")
        #expect(current.rejected.map(\.kind).sorted() == ["ConfigMap", "Service"])
        #expect(current.configMaps.isEmpty && current.services.isEmpty)
        let kept = current.keepingLastGoodVersions(from: previous)
        #expect(kept.map(\.kind).sorted() == ["ConfigMap", "Service"])
        #expect(current.configMaps.map(\.metadata.name) == ["ca"] && current.services.map(\.metadata.name) == ["svc"])
        #expect(current.keepingLastGoodVersions(from: previous).isEmpty, "already present: not put back again")
        #expect(current.configMaps.count == 1 && current.services.count == 1)
    }

    @Test("a file that no longer parses keeps every object it held")
    func unreadableFile() {
        let previous = ConfigurationLoader.load(yaml: Self.good, fileName: "a.yaml")
        var current = ConfigurationLoader.load(yaml: "apiVersion: [unclosed", fileName: "a.yaml")
        #expect(current.unreadableFiles == ["a.yaml"])
        _ = current.keepingLastGoodVersions(from: previous)
        #expect(current.configMaps.map(\.metadata.name) == ["ca"] && current.services.map(\.metadata.name) == ["svc"])
    }
}
