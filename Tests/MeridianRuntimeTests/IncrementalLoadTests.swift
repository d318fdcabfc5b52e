import Foundation
import MeridianEncode
import MeridianLoad
import MeridianRuntime
import MeridianTestSupport
import MeridianTranslate
import Testing

/// A build that replays unchanged files from `ParsedFileCache` and takes unchanged resources'
/// bytes from `EncodingCache` gives exactly what a build from scratch gives, after every step of a long series of random edits: routes, Services and
/// Gateways added, changed and removed, files added and deleted, invalid edits (bad YAML,
/// bad fields, duplicates across files) mixed in.
@Suite("incremental loading equals loading from scratch")
struct IncrementalLoadTests {
    static func gateway(_ name: String, port: Int) -> String {
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: \(name), namespace: ns}\nspec:\n  gatewayClassName: meridian\n  listeners: [{name: http, protocol: HTTP, port: \(port)}]\n"
    }

    static func service(_ name: String, port: Int) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: ns}
        spec: {ports: [{name: http, port: 80, targetPort: \(port)}]}
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: \(name)-1, namespace: ns, labels: {kubernetes.io/service-name: \(name)}}
        addressType: IPv4
        ports: [{name: http, port: \(port)}]
        endpoints: [{addresses: ["127.0.0.1"]}]

        """
    }

    static func route(_ name: String, gateway: String, path: String, backend: String, hostname: String?) -> String {
        let hostnames = hostname.map { "  hostnames: [\($0)]\n" } ?? ""
        let labels = name.hasSuffix("1") || name.hasSuffix("3") ? ", labels: {tier: gold}" : ""
        return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: \(name), namespace: ns\(labels)}\nspec:\n\(hostnames)  parentRefs: [{name: \(gateway)}]\n  rules:\n    - matches: [{path: {type: PathPrefix, value: \(path)}}]\n      backendRefs: [{name: \(backend), port: 80}]\n"
    }

    static func grpcRoute(_ name: String, gateway: String, backend: String, hostname: String?) -> String {
        let hostnames = hostname.map { "  hostnames: [\($0)]\n" } ?? ""
        return "apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\nmetadata: {name: \(name), namespace: ns}\nspec:\n\(hostnames)  parentRefs: [{name: \(gateway)}]\n  rules:\n    - backendRefs: [{name: \(backend), port: 80}]\n"
    }

    /// A kgateway TrafficPolicy on a route, on rules with a label, or on a Gateway: routes it
    /// reaches cannot be taken from the translation memo (the policy ledger records them).
    static func policy(_ n: Int, random: inout SeededGenerator) -> String {
        let target = [
            "targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: r\(n)}]",
            "targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw\(n % 2)}]",
            "targetSelectors: [{group: gateway.networking.k8s.io, kind: HTTPRoute, matchLabels: {tier: gold}}]",
        ].randomElement(using: &random)!
        return "apiVersion: gateway.kgateway.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: p\(n), namespace: ns}\nspec:\n  \(target)\n  timeouts: {request: \(Int.random(in: 1...3, using: &random))s}\n"
    }

    /// Host names that cover each other (exact, wildcard, none), so virtual hosts share routes.
    static let hostnames: [String?] = [nil, "a.example.com", "b.example.com", "*.example.com", "c.other.org"]

    /// One random file: a few documents of the kinds above, sometimes broken.
    static func randomFile(_ random: inout SeededGenerator) -> String {
        var documents: [String] = []
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            let n = Int.random(in: 0..<6, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0: documents.append(gateway("gw\(n % 2)", port: 8000 + n))
            case 1, 2: documents.append(service("svc\(n)", port: 9000 + n))
            case 3: documents.append("apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: broken\(n), namespace: ns}\nspec:\n  parentRefs: [{name: gw0}]\n  rulez: []\n")
            case 4: documents.append(n.isMultiple(of: 2) ? "kind: [unclosed\n" : Self.policy(n, random: &random))
            default: documents.append(route("r\(n)", gateway: "gw\(n % 2)", path: "/p\(Int.random(in: 0..<4, using: &random))", backend: "svc\(Int.random(in: 0..<6, using: &random))", hostname: Self.hostnames.randomElement(using: &random)!))
            }
        }
        return documents.joined(separator: "---\n")
    }

    /// Everything a build says, as text: snapshots, status, errors, what was read and kept.
    static func summary(_ build: ConfigurationBuild) -> String {
        var lines = build.snapshots.sorted { $0.key < $1.key }.map { "snapshot \($0.key) \($0.value.version)" }
        lines += build.loaded.errors.map { "error \($0)" }
        lines += build.loaded.unreadableFiles.map { "unreadable \($0)" }
        lines += build.loaded.files.map { "file \($0)" }
        lines += build.loaded.digests.objects.sorted { $0.key < $1.key }.map { "object \($0.key) \($0.value)" }
        lines += build.loaded.rejected.map { "rejected \($0.kind) \($0.qualifiedName)" }
        lines.append(StatusReport.statusValue(build, now: Date(timeIntervalSince1970: 0)).json())
        return lines.joined(separator: "\n")
    }

    @Test("200 random edits over six files: every incremental build matches the build from scratch")
    func randomEdits() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("incremental-load")
        defer { try? FileManager.default.removeItem(at: directory) }
        try "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: meridian}\nspec: {controllerName: meridian.dev/gateway-controller}\n"
            .write(to: directory.appendingPathComponent("class.yaml"), atomically: true, encoding: .utf8)
        var random = SeededGenerator(seed: 0x5eed)
        let cache = ParsedFileCache()
        let translated = TranslationMemo()
        let encoded = EncodingCache()
        var previous: LoadedConfiguration?
        for step in 0..<200 {
            // One to three files rewritten, created or deleted.
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let file = directory.appendingPathComponent("part\(Int.random(in: 0..<6, using: &random)).yaml")
                if Int.random(in: 0..<5, using: &random) == 0 {
                    try? FileManager.default.removeItem(at: file)
                } else {
                    try Self.randomFile(&random).write(to: file, atomically: true, encoding: .utf8)
                }
            }
            let incremental = ConfigurationPipeline.build(paths: [directory.path], options: TranslationOptions(), previous: previous, parsed: cache, translated: translated, encoded: encoded)
            let scratch = ConfigurationPipeline.build(paths: [directory.path], options: TranslationOptions(), previous: previous)
            let (a, b) = (Self.summary(incremental), Self.summary(scratch))
            #expect(a == b, "step \(step): the incremental build differs from the build from scratch")
            if a != b { return }
            if incremental.isServable { previous = incremental.loaded }
        }
        // Most files are unchanged at each step: they were replayed, not parsed.
        #expect(cache.hits > 400, "files replayed from the cache: \(cache.hits)")
        // And most virtual hosts, clusters and load assignments were taken from the last build.
        #expect(encoded.hits > 300, "pieces taken from the encoding cache: \(encoded.hits)")
        // And routes unchanged while nothing else changed were not compiled and placed again.
        #expect(translated.hits > 50, "routes taken from the translation memo: \(translated.hits)")
        print("figure: 200 random edits, \(cache.hits) files replayed from the cache, \(translated.hits) routes and \(encoded.hits) encoded pieces reused, every build equal to the build from scratch")
    }

    @Test("Files parsed on every core load exactly as files parsed in order, duplicates and error budgets included")
    func concurrentParsingEqualsSequential() throws {
        let directory = try RepositoryPaths.makeScratchDirectory("concurrent-load")
        defer { try? FileManager.default.removeItem(at: directory) }
        // A budget of two errors per file: duplicates across files (counted only when added in
        // order) often stop a file early, the case where order could matter.
        let limits = LoadLimits(maxErrorsPerFile: 2)
        var random = SeededGenerator(seed: 0xc0ffee)
        var stoppedEarly = 0
        for step in 0..<60 {
            for index in 0..<6 {
                let file = directory.appendingPathComponent("part\(index).yaml")
                // Several documents per file, so one file can hold more errors than its budget.
                let text = (0..<3).map { _ in Self.randomFile(&random) }.joined(separator: "---\n")
                try text.write(to: file, atomically: true, encoding: .utf8)
            }
            let files = (0..<6).map { directory.appendingPathComponent("part\($0).yaml").path }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            let concurrent = ConfigurationLoader.load(paths: [directory.path], limits: limits)
            let sequential = ConfigurationLoader.load(sources: try files.map { ManifestSource(name: $0, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: $0)))) }, limits: limits)
            let describe = { (loaded: LoadedConfiguration) -> String in
                (loaded.errors.map { "error \($0)" } + loaded.unreadableFiles.map { "unreadable \($0)" } + loaded.files.map { "file \($0)" }
                    + loaded.digests.objects.sorted { $0.key < $1.key }.map { "object \($0.key) \($0.value)" }
                    + loaded.rejected.map { "rejected \($0.kind) \($0.qualifiedName)" }
                    + ["routes \(loaded.httpRoutes.count) services \(loaded.services.count) gateways \(loaded.gateways.count)"]).joined(separator: "\n")
            }
            #expect(describe(concurrent) == describe(sequential), "step \(step)")
            stoppedEarly += concurrent.errors.filter { $0.code == .errorLimit }.count
        }
        // The comparison covered files whose reading stopped at their error budget.
        #expect(stoppedEarly > 10, "files stopped by their error budget: \(stoppedEarly)")
    }

    struct RouteOnlyRun: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var policies: Bool
        var splitsByHost: Bool
        var testDescription: String { "seed \(seed), \(policies ? "with" : "without") policies, \(splitsByHost ? "split by host" : "one table")" }
    }

    @Test("300 route-only edits beside fixed Gateways, Services and policies: the translation memo serves most routes and virtual hosts, and every build equals the build from scratch", arguments: [
        RouteOnlyRun(seed: 0xfeed, policies: true, splitsByHost: false),
        RouteOnlyRun(seed: 0xbeef, policies: false, splitsByHost: true),
    ])
    func routeOnlyEdits(_ run: RouteOnlyRun) throws {
        let directory = try RepositoryPaths.makeScratchDirectory("incremental-routes")
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SeededGenerator(seed: run.seed)
        var options = TranslationOptions()
        options.splitsRouteTablesByHost = run.splitsByHost
        var fixed = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: meridian}\nspec: {controllerName: meridian.dev/gateway-controller}\n---\n"
        fixed += [Self.gateway("gw0", port: 8000), Self.gateway("gw1", port: 8001)].joined(separator: "---\n") + "---\n"
        fixed += (0..<6).map { Self.service("svc\($0)", port: 9000 + $0) }.joined(separator: "---\n") + "---\n"
        if run.policies { fixed += [Self.policy(1, random: &random), Self.policy(2, random: &random)].joined(separator: "---\n") }
        try fixed.write(to: directory.appendingPathComponent("fixed.yaml"), atomically: true, encoding: .utf8)
        let translated = TranslationMemo()
        let encoded = EncodingCache()
        var previous: LoadedConfiguration?
        for step in 0..<300 {
            // One route file rewritten: routes added, changed, moved between files, or removed.
            let file = directory.appendingPathComponent("routes\(Int.random(in: 0..<4, using: &random)).yaml")
            let routes = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                let n = Int.random(in: 0..<12, using: &random)
                // Now and then a GRPCRoute on a host name an HTTPRoute may hold: on one listener
                // the older keeps it, so an unchanged route can gain or lose a placement.
                if n < 3, Int.random(in: 0..<3, using: &random) == 0 {
                    return Self.grpcRoute("g\(n)", gateway: "gw\(n % 2)", backend: "svc\(Int.random(in: 0..<6, using: &random))", hostname: Self.hostnames.randomElement(using: &random)!)
                }
                return Self.route("r\(n)", gateway: "gw\(n % 2)", path: "/p\(Int.random(in: 0..<4, using: &random))",
                                  backend: "svc\(Int.random(in: 0..<6, using: &random))", hostname: Self.hostnames.randomElement(using: &random)!)
            }
            try routes.joined(separator: "---\n").write(to: file, atomically: true, encoding: .utf8)
            let incremental = ConfigurationPipeline.build(paths: [directory.path], options: options, previous: previous, translated: translated, encoded: encoded)
            let scratch = ConfigurationPipeline.build(paths: [directory.path], options: options, previous: previous)
            let (a, b) = (Self.summary(incremental), Self.summary(scratch))
            #expect(a == b, "step \(step): the build with the memo differs from the build from scratch")
            if a != b { return }
            if incremental.isServable { previous = incremental.loaded }
        }
        #expect(translated.hits > 400, "routes taken from the translation memo: \(translated.hits)")
        // Virtual hosts no changed host name covers, taken without looking at their routes.
        #expect(translated.unchangedHosts > 50, "virtual hosts taken as unchanged: \(translated.unchangedHosts)")
        print("figure: 300 route-only edits (\(run.testDescription)), \(translated.hits) routes taken from the translation memo, \(translated.unchangedHosts) virtual hosts as unchanged, every build equal to the build from scratch")
    }
}
