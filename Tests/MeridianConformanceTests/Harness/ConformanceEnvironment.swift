import EnvoyAPI
import Foundation
import MeridianRuntime
import MeridianServe
import MeridianTestSupport
import MeridianTranslate
import Synchronization

/// What one upstream test runs against: the base manifests plus the test's own, as `kubectl
/// apply` would leave them, served by `meridian serve` to a real Envoy per Gateway.
///
/// * Services become loopback echo pods: each Service with a selector gets EndpointSlices
///   pointing at the echo process of every Deployment it selects (`EchoPods`, shared by the run).
/// * Each Gateway the test talks to gets its own `meridian serve` and Envoy, on a loopback
///   address of its own (127.a.b.c), so that two Gateways can both listen on "port 80" as they
///   do in a cluster; ports below 1024 are moved up by `portOffset` (80 becomes 30080).
/// * Statuses come from the same pipeline `serve` and `translate --output json` run
///   (`ConfigurationPipeline` + `StatusReport.statusValue`), computed once: the files do not
///   change during a test, so there is nothing to wait for.
final class ConformanceEnvironment: Sendable {
    static let portOffset = 30_000

    let label: String
    let directory: URL
    let configDirectory: URL
    let documents: [ManifestDocument]
    private let statusValue: Mutex<JSONValue>
    var status: JSONValue { statusValue.withLock { $0 } }
    private let addressPrefix: String
    private let proxies = Mutex<[String: Task<GatewayProxy, any Error>]>([:])
    private let started = Mutex<[GatewayProxy]>([])

    /// `manifests`: file names under `Tests/Conformance/upstream/tests`.
    /// `generations`: every object gets `metadata.generation: 1`, as the API server gives an
    /// object it creates (for the tests that compare `observedGeneration` with it; see `patch`).
    init(label: String, manifests: [String], generations: Bool = false) async throws {
        self.label = label
        directory = try RepositoryPaths.makeScratchDirectory("conformance-\(label)")
        configDirectory = directory.appendingPathComponent("config")
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        addressPrefix = Self.nextAddressPrefix()

        var files: [(String, String)] = [
            ("00-gatewayclass.yaml", UpstreamManifests.gatewayClassYAML), ("01-base.yaml", try UpstreamManifests.text("base/manifests.yaml")),
            ("02-suite-secrets.yaml", SuiteSecrets.yaml),
        ]
        for (index, name) in manifests.enumerated() {
            files.append((String(format: "%02d-", index + 10) + name, try UpstreamManifests.text("tests/\(name)")))
        }
        var documents: [ManifestDocument] = []
        if generations { files = files.map { ($0.0, Self.stampGeneration($0.1)) } }
        for (name, text) in files {
            try text.write(to: configDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
            documents += UpstreamManifests.documents(text, fileName: name)
        }
        self.documents = documents
        try await Self.endpointSlicesYAML(documents).write(to: configDirectory.appendingPathComponent("99-endpointslices.yaml"), atomically: true, encoding: .utf8)

        let build = ConfigurationPipeline.build(paths: [configDirectory.path], options: Self.options(listenerAddress: "127.0.0.1"))
        statusValue = Mutex(StatusReport.statusValue(build))
    }

    /// `kubectl delete` of one object of the test's manifests: its document leaves the file
    /// (a write and a rename, as editors do), `meridian serve` reloads, and the status follows.
    func delete(kind: String, name: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: configDirectory.path).filter { $0.hasPrefix("1") }
        var removed = false
        for file in files {
            let url = configDirectory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            let parts = text.components(separatedBy: "\n---")
            let kept = parts.filter { part in
                guard let document = UpstreamManifests.documents(part, fileName: file).first else { return true }
                let matches = document.kind == kind && document.qualifiedName == name
                removed = removed || matches
                return !matches
            }
            guard kept.count != parts.count else { continue }
            let temporary = directory.appendingPathComponent(file + ".tmp")
            try kept.joined(separator: "\n---").write(to: temporary, atomically: false, encoding: .utf8)
            _ = rename(temporary.path, url.path)
        }
        guard removed else { throw FixtureError("no \(kind) \(name) in the test's manifests") }
        let build = ConfigurationPipeline.build(paths: [configDirectory.path], options: Self.options(listenerAddress: "127.0.0.1"))
        statusValue.withLock { $0 = StatusReport.statusValue(build) }
    }

    /// `kubectl apply` of a new object (upstream's `MustApplyObjectsWithCleanup` during a test):
    /// `document` joins the file of objects the test applied (`19-applied.yaml`, a write and a
    /// rename, so `patch` and `delete` find it too), `meridian serve` reloads, and the status follows.
    func apply(_ document: String) throws {
        let url = configDirectory.appendingPathComponent("19-applied.yaml")
        let existing = (try? String(contentsOf: url, encoding: .utf8)) ?? "# Objects the test applied.\n"
        let temporary = directory.appendingPathComponent("19-applied.yaml.tmp")
        try (existing + "\n---\n" + document).write(to: temporary, atomically: false, encoding: .utf8)
        _ = rename(temporary.path, url.path)
        let build = ConfigurationPipeline.build(paths: [configDirectory.path], options: Self.options(listenerAddress: "127.0.0.1"))
        statusValue.withLock { $0 = StatusReport.statusValue(build) }
    }

    /// `metadata.generation: 1` in every block-style `metadata:` of `text` that has none.
    static func stampGeneration(_ text: String) -> String {
        var lines = text.components(separatedBy: "\n")
        var index = 0
        while index < lines.count {
            if lines[index] == "metadata:", index + 1 < lines.count {
                let next = lines[index + 1]
                let indent = String(next.prefix { $0 == " " })
                if !indent.isEmpty { lines.insert(indent + "generation: 1", at: index + 1) }
            }
            index += 1
        }
        return lines.joined(separator: "\n")
    }

    /// `kubectl patch` of one object of the test's manifests: `transform` gets the object's YAML
    /// document and returns the new one; the file is rewritten (a write and a rename) for
    /// `meridian serve` to reload, and the status follows. As the API server does on a spec
    /// change, `metadata.generation` goes up by one (1 if the document had none). Returns the
    /// generations before and after.
    @discardableResult
    func patch(kind: String, name: String, _ transform: (String) -> String) throws -> (before: Int, after: Int) {
        let files = try FileManager.default.contentsOfDirectory(atPath: configDirectory.path).filter { $0.hasPrefix("1") }
        var result: (Int, Int)?
        for file in files.sorted() where result == nil {
            let url = configDirectory.appendingPathComponent(file)
            let text = try String(contentsOf: url, encoding: .utf8)
            var parts = text.components(separatedBy: "\n---")
            for (index, part) in parts.enumerated() {
                guard let document = UpstreamManifests.documents(part, fileName: file).first,
                      document.kind == kind, document.qualifiedName == name else { continue }
                let before = document.root["metadata"]?["generation"]?.text.flatMap { Int($0) } ?? 1
                var changed = transform(part)
                guard changed != part else { result = (before, before); break }
                let after = before + 1
                var lines = changed.components(separatedBy: "\n")
                if let line = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("generation:") && $0.hasPrefix(" ") }) {
                    lines[line] = String(lines[line].prefix { $0 == " " }) + "generation: \(after)"
                } else if let line = lines.firstIndex(of: "metadata:") {
                    lines.insert("  generation: \(after)", at: line + 1)
                } else {
                    throw FixtureError("\(kind) \(name): no block-style metadata to put a generation in")
                }
                changed = lines.joined(separator: "\n")
                parts[index] = changed
                let temporary = directory.appendingPathComponent(file + ".tmp")
                try parts.joined(separator: "\n---").write(to: temporary, atomically: false, encoding: .utf8)
                _ = rename(temporary.path, url.path)
                result = (before, after)
                break
            }
        }
        guard let result else { throw FixtureError("no \(kind) \(name) in the test's manifests") }
        let build = ConfigurationPipeline.build(paths: [configDirectory.path], options: Self.options(listenerAddress: "127.0.0.1"))
        statusValue.withLock { $0 = StatusReport.statusValue(build) }
        return result
    }

    static func options(listenerAddress: String) -> TranslationOptions {
        var options = TranslationOptions()
        options.listenerAddress = listenerAddress
        options.privilegedPortOffset = portOffset
        return options
    }

    /// EndpointSlices as the EndpointSlice controller would write them: per Service with a
    /// selector, one slice per selected Deployment (its echo pod), with the Service's port names.
    static func endpointSlicesYAML(_ documents: [ManifestDocument]) async throws -> String {
        var yaml = "# Generated by the conformance harness: the EndpointSlices Kubernetes would make for the echo pods.\n"
        let deployments = documents.filter { $0.kind == "Deployment" }
        for service in documents where service.kind == "Service" {
            let selector = service.selector
            guard !selector.isEmpty else { continue }
            let selected = deployments.filter { deployment in
                deployment.namespace == service.namespace && selector.allSatisfy { deployment.podLabels[$0.key] == $0.value }
            }
            for deployment in selected {
                let pod = try await EchoPods.shared.pod(namespace: deployment.namespace, deployment: deployment.name, grpc: deployment.isGRPCEcho,
                                                        clientCA: deployment.tlsClientCAConfigMap)
                let ports = service.servicePorts.map { port in
                    let name = port.name.map { "name: \($0), " } ?? ""
                    return "{\(name)port: \(pod.port(forTarget: port.targetPort)), protocol: TCP}"
                }
                yaml += """
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: \(service.name)-\(deployment.name)
                  namespace: \(service.namespace)
                  labels: {kubernetes.io/service-name: \(service.name)}
                addressType: IPv4
                ports: [\(ports.joined(separator: ", "))]
                endpoints: [{addresses: ["127.0.0.1"], conditions: {ready: true}, targetRef: {kind: Pod, name: \(pod.name), namespace: \(deployment.namespace)}}]

                """
            }
        }
        return yaml
    }

    /// A distinct 127.a.b prefix per environment: a different loopback address for every Gateway.
    private static let counter = Mutex<Int>(0)
    private static let runByte = Int.random(in: 64...250)
    private static func nextAddressPrefix() -> String {
        let next = counter.withLock { value -> Int in
            value += 1
            return value
        }
        return "127.\(runByte).\(next % 250 + 1)"
    }

    /// The proxy of Gateway `namespace/name`, started on first use (its own `meridian serve` and Envoy).
    func gateway(_ name: String) async throws -> GatewayProxy {
        let task = proxies.withLock { proxies -> Task<GatewayProxy, any Error> in
            if let existing = proxies[name] { return existing }
            let index = proxies.count + 1
            let task = Task { try await self.startProxy(name, address: "\(self.addressPrefix).\(index)") }
            proxies[name] = task
            return task
        }
        return try await task.value
    }

    private func startProxy(_ name: String, address: String) async throws -> GatewayProxy {
        guard let document = documents.first(where: { $0.kind == "Gateway" && "\($0.namespace)/\($0.name)" == name }) else {
            throw FixtureError("no Gateway \(name) in the manifests")
        }
        // A Gateway with nothing programmed gets no listeners; there is no warm-up to wait for.
        let programmed = ConformanceTest.conditions(Self.resource(status, "Gateway", name)?["conditions"]).contains { $0.type == "Programmed" && $0.status == "True" }
        // The xDS port is picked free but bound later by `meridian serve`; a client connection
        // (the harness makes many) can take it in between. Such a start is retried.
        for attempt in 1...3 {
            let proxy = try await GatewayProxy(gateway: name, listenerPorts: document.listenerPorts, address: address, environment: self, awaitListeners: programmed)
            started.withLock { $0.append(proxy) }
            if attempt < 3, proxy.meridian.output.contains("Address already in use") {
                print("conformance: \(name): meridian serve could not bind its xDS port; starting it again")
                proxy.stop()
                continue
            }
            return proxy
        }
        throw FixtureError("unreachable")
    }

    /// `kind` + `namespace/name` → that resource's Gateway API `status` object, with each
    /// parentRef as text (`Gateway ns/name section s port p`) for the tests' comparisons.
    static func resource(_ status: JSONValue, _ kind: String, _ name: String) -> JSONValue? {
        guard case .array(let resources)? = status["resources"] else { return nil }
        let found = resources.first { resource in
            guard resource["kind"]?.string == kind, let metadata = resource["metadata"] else { return false }
            let qualified = [metadata["namespace"]?.string, metadata["name"]?.string].compactMap { $0 }.joined(separator: "/")
            return qualified == name
        }
        guard case .object(let members)? = found?["status"] else { return nil }
        return .object(members.map { key, value in
            guard key == "parents", case .array(let parents) = value else { return (key, value) }
            return (key, .array(parents.map { parent in
                guard case .object(let fields) = parent else { return parent }
                return .object(fields.map { field, reference in
                    guard field == "parentRef" else { return (field, reference) }
                    var text = "\(reference["kind"]?.string ?? "") \(reference["namespace"]?.string.map { "\($0)/" } ?? "")\(reference["name"]?.string ?? "")"
                    if let section = reference["sectionName"]?.string { text += " section \(section)" }
                    if case .integer(let port)? = reference["port"] { text += " port \(port)" }
                    return (field, .string(text))
                })
            }))
        })
    }

    /// Everything the environment started (echo pods are shared and stay up).
    func stop() {
        for proxy in started.withLock({ $0 }) { proxy.stop() }
        // MERIDIAN_CONFORMANCE_KEEP=1 keeps the files and logs for a look afterwards.
        if ProcessInfo.processInfo.environment["MERIDIAN_CONFORMANCE_KEEP"] == nil { try? FileManager.default.removeItem(at: directory) }
    }
}

/// One Gateway's data plane: `meridian serve` binding listeners on `address`, and an Envoy whose
/// bootstrap (`EnvoyBootstrap`, as `meridian bootstrap` writes it) names the Gateway's proxy group.
final class GatewayProxy: Sendable {
    let gateway: String
    let address: String
    let listenerPorts: [Int]
    let meridian: ChildProcess
    let envoy: EnvoyProcess

    init(gateway: String, listenerPorts: [Int], address: String, environment: ConformanceEnvironment, awaitListeners: Bool) async throws {
        self.gateway = gateway
        self.address = address
        self.listenerPorts = listenerPorts
        let directory = environment.directory.appendingPathComponent(gateway.replacingOccurrences(of: "/", with: "_"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // Port 0: the kernel picks the xDS port, read back from the log (a port chosen
        // beforehand can be taken by another test meanwhile, and then serve cannot bind it).
        meridian = try ChildProcess(
            executable: try meridianBinary(),
            arguments: ["serve", "--config", environment.configDirectory.path, "--xds-address", "127.0.0.1:0", "--admin-address", "127.0.0.1:0",
                        "--listener-address", address, "--privileged-port-offset", String(ConformanceEnvironment.portOffset),
                        "--log-level", "info"],
            logFile: directory.appendingPathComponent("meridian.log")
        )
        let xdsPort: Int
        do {
            xdsPort = try ServeLogPorts.wait(for: meridian).xds
        } catch {
            meridian.stop()
            throw error
        }
        let bootstrap = EnvoyBootstrap(xdsHost: "127.0.0.1", xdsPort: xdsPort, proxyGroup: gateway, nodeID: "conformance-\(environment.label)-\(gateway)", adminPort: 0)
        do {
            envoy = try await EnvoyProcess(bootstrapYAML: bootstrap.yaml, directory: directory)
        } catch {
            meridian.stop()
            throw error
        }
        // Ready when Envoy has taken its first listener set and none is still warming
        // (a listener warms until its routes and clusters' endpoints have arrived).
        guard awaitListeners else { return }
        let meridian = meridian
        let ready = await eventually(timeout: .seconds(30), every: .milliseconds(50)) {
            if meridian.output.contains("Address already in use") { return true }
            guard let stats = try? await envoy.stats(matching: "^listener_manager\\.(lds\\.update_success|total_listeners_warming|total_listeners_active)$") else { return false }
            return (stats["listener_manager.lds.update_success"] ?? 0) >= 1 && (stats["listener_manager.total_listeners_warming"] ?? 1) == 0
        }
        if !ready { print("conformance: \(gateway): Envoy not ready after 30 s\n\(meridian.output.suffix(4000))") }
    }

    /// Where a Gateway port listens here.
    func port(_ gatewayPort: Int) -> Int { gatewayPort < 1024 ? gatewayPort + ConformanceEnvironment.portOffset : gatewayPort }

    /// The address upstream's suite would read from the Gateway's status: its first listener's port.
    var defaultPort: Int { listenerPorts.first ?? 80 }

    func stop() {
        envoy.stop()
        meridian.stop()
    }

    var logs: String { "meridian (\(gateway)):\n\(meridian.output.suffix(3000))\nenvoy:\n\(envoy.log.suffix(2000))" }
}

/// The `meridian` executable built beside the tests.
func meridianBinary() throws -> URL {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("meridian")
    let fallback = RepositoryPaths.root.appendingPathComponent(".build/debug/meridian")
    for candidate in [beside, fallback] where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    throw FixtureError("the meridian executable is not built: run swift build --build-tests")
}
