import AsyncHTTPClient
import KubernetesAPIStandIn
import MeridianKubernetes
import MeridianLoad
import MeridianRuntime
import MeridianTranslate
import Testing

/// Objects read from the API server go through the same decoding and checks as files: the same
/// objects give the same snapshot either way, and a bad object is refused with its kind and
/// name where a file's name would be, then the field.
@Suite("Objects from the API server read as files are", .timeLimit(.minutes(1)))
struct KubernetesManifestsTests {
    /// Each object's collection and JSON; built-in kinds without apiVersion and kind, as a
    /// real server lists them.
    static let objects: [(collection: String, json: String)] = [
        ("/apis/gateway.networking.k8s.io/v1/gatewayclasses",
         #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "meridian"}, "spec": {"controllerName": "meridian.dev/gateway-controller"}}"#),
        ("/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways",
         #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "ns"}, "spec": {"gatewayClassName": "meridian", "listeners": [{"name": "http", "protocol": "HTTP", "port": 8080}]}}"#),
        ("/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes",
         #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "ns"}, "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["a.example.com"], "rules": [{"backendRefs": [{"name": "svc", "port": 80}]}]}}"#),
        ("/api/v1/namespaces/ns/services",
         #"{"metadata": {"name": "svc", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 9000}]}}"#),
        ("/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices",
         #"{"metadata": {"name": "svc-1", "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}}, "addressType": "IPv4", "ports": [{"name": "http", "port": 9000}], "endpoints": [{"addresses": ["127.0.0.1"]}]}"#),
    ]

    /// The same objects as one file, each with its apiVersion and kind.
    static let file = """
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": {"name": "meridian"}, "spec": {"controllerName": "meridian.dev/gateway-controller"}}
    ---
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw", "namespace": "ns"}, "spec": {"gatewayClassName": "meridian", "listeners": [{"name": "http", "protocol": "HTTP", "port": 8080}]}}
    ---
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r", "namespace": "ns"}, "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["a.example.com"], "rules": [{"backendRefs": [{"name": "svc", "port": 80}]}]}}
    ---
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 9000}]}}
    ---
    {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "svc-1", "namespace": "ns", "labels": {"kubernetes.io/service-name": "svc"}}, "addressType": "IPv4", "ports": [{"name": "http", "port": 9000}], "endpoints": [{"addresses": ["127.0.0.1"]}]}

    """

    /// Every kind Meridian reads, listed cluster-wide from a stand-in holding `objects`.
    static func readAll(_ objects: [(collection: String, json: String)]) async throws -> [ManifestSource] {
        let standIn = KubernetesAPIStandIn()
        for object in objects { try standIn.put(object.collection, json: object.json) }
        let (port, server) = try await standIn.start()
        defer { server.cancel() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = KubernetesAPIClient(baseURL: "http://127.0.0.1:\(port)", token: standIn.token, http: http)
        var sources: [ManifestSource] = []
        do {
            for kind in ReadKinds.all {
                // The stand-in keeps each namespace's objects under its own path, as etcd keys
                // are; a cluster-wide list of a namespaced kind is read per namespace here.
                let collection = kind.collection(namespace: kind.isNamespaced ? "ns" : nil)
                let page = try await client.list(collection, limit: 500, continue: nil)
                sources += KubernetesManifests.sources(kind, objects: page.items)
            }
        } catch {
            try await http.shutdown()
            throw error
        }
        try await http.shutdown()
        return sources
    }

    @Test("the same objects give the same snapshot as from a file")
    func sameAsFiles() async throws {
        let sources = try await Self.readAll(Self.objects)
        #expect(sources.count == Self.objects.count, "\(sources.map(\.name))")
        let fromAPI = ConfigurationPipeline.build(ConfigurationLoader.load(sources: sources), options: TranslationOptions())
        let fromFile = ConfigurationPipeline.build(ConfigurationLoader.load(yaml: Self.file, fileName: "all.yaml"), options: TranslationOptions())
        #expect(fromAPI.loaded.errors.isEmpty, "\(fromAPI.loaded.errors)")
        #expect(fromAPI.isServable && fromFile.isServable)
        #expect(fromAPI.snapshots.mapValues(\.version) == fromFile.snapshots.mapValues(\.version))
        #expect(fromAPI.snapshots["ns/gw"] != nil)
        let routeConditions = { (build: ConfigurationBuild) in
            build.translation.statuses.filter { $0.kind == "HTTPRoute" }.flatMap(\.parents).flatMap(\.conditions).map { "\($0)" }
        }
        #expect(routeConditions(fromAPI) == routeConditions(fromFile))
    }

    @Test("a bad object is refused with its kind, name and field, as a file's would be with its name")
    func errorsNameTheObject() async throws {
        var objects = Self.objects
        objects.append(("/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes",
                        #"{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "bad", "namespace": "ns"}, "spec": {"parentRefs": [{"name": "gw"}], "rulez": []}}"#))
        let loaded = ConfigurationLoader.load(sources: try await Self.readAll(objects))
        let messages = loaded.errors.map(\.description)
        #expect(messages.count == 1 && messages[0].hasPrefix("HTTPRoute ns/bad:"), "\(messages)")
        #expect(messages.first?.contains("rulez") == true, "the unknown field is named: \(messages)")
        #expect(loaded.httpRoutes.map(\.metadata.name) == ["r"], "the bad object is set aside, the rest read")
    }

    @Test("objects replayed from the parse cache load as parsed afresh")
    func cachedLoads() async throws {
        let sources = try await Self.readAll(Self.objects)
        let cache = ParsedFileCache()
        _ = ConfigurationLoader.load(sources: sources, cache: cache)
        var changed = sources
        changed[changed.count - 1] = ManifestSource(name: changed[changed.count - 1].name, text: #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 81}]}}"#)
        for input in [sources, changed] {
            let cached = ConfigurationPipeline.build(ConfigurationLoader.load(sources: input, cache: cache), options: TranslationOptions())
            let fresh = ConfigurationPipeline.build(ConfigurationLoader.load(sources: input), options: TranslationOptions())
            #expect(cached.snapshots.mapValues(\.version) == fresh.snapshots.mapValues(\.version))
            #expect(cached.loaded.digests == fresh.loaded.digests)
        }
        #expect(cache.hits >= sources.count * 2 - 1, "unchanged objects replayed: \(cache.hits)")
    }

    @Test("every kind read has a collection path the API serves")
    func collectionPaths() {
        let paths = Dictionary(uniqueKeysWithValues: ReadKinds.all.map { ($0.kind, $0.collection(namespace: "ns")) })
        #expect(paths["GatewayClass"] == "/apis/gateway.networking.k8s.io/v1/gatewayclasses")
        #expect(paths["Gateway"] == "/apis/gateway.networking.k8s.io/v1/namespaces/ns/gateways")
        #expect(paths["RetryPolicy"]?.hasSuffix("/namespaces/ns/retrypolicies") == true)
        #expect(paths["Namespace"] == "/api/v1/namespaces")
        #expect(paths["Service"] == "/api/v1/namespaces/ns/services")
        #expect(paths["EndpointSlice"] == "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices")
        #expect(paths["HTTPRoute"] == "/apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes")
        #expect(paths["ReferenceGrant"] == "/apis/gateway.networking.k8s.io/v1beta1/namespaces/ns/referencegrants")
        #expect(paths["TrafficPolicy"]?.hasSuffix("/namespaces/ns/trafficpolicies") == true)
        #expect(paths["BackendTLSPolicy"]?.hasSuffix("/namespaces/ns/backendtlspolicies") == true)
        #expect(Set(ReadKinds.all.map(\.kind)).count == ReadKinds.all.count, "each kind once")
    }
}
