import CEnvoyAPI
import EnvoyAPI
import Testing

@Suite("Rendering protobuf-c messages as JSON")
struct ProtobufJSONTests {
    @Test("a map field renders as an object; a repeated message named Entry with key and value stays an array")
    func mapsAndEntries() throws {
        let arena = ProtobufArena()
        let entry = arena.make(envoy__extensions__common__ratelimit__v3__rate_limit_descriptor__entry__init) {
            $0.key = arena.string("x-tenant-id")
            $0.value = arena.string("a")
        }
        let descriptor = arena.make(envoy__extensions__common__ratelimit__v3__local_rate_limit_descriptor__init) {
            $0.n_entries = 1
            $0.entries = arena.array([entry])
        }
        let limit = arena.make(envoy__extensions__filters__http__local_ratelimit__v3__local_rate_limit__init) {
            $0.stat_prefix = arena.string("limit")
            $0.n_descriptors = 1
            $0.descriptors = arena.array([descriptor])
        }
        let typed = arena.any(typeURL: "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit", packing: limit)
        let mapEntry = arena.make(envoy__config__route__v3__route__typed_per_filter_config_entry__init) {
            $0.key = arena.string("envoy.filters.http.local_ratelimit")
            $0.value = typed
        }
        let route = arena.make(envoy__config__route__v3__route__init) {
            $0.name = arena.string("r")
            $0.n_typed_per_filter_config = 1
            $0.typed_per_filter_config = arena.array([mapEntry])
        }
        let host = arena.make(envoy__config__route__v3__virtual_host__init) {
            $0.n_routes = 1
            $0.routes = arena.array([route])
        }
        let configuration = arena.make(envoy__config__route__v3__route_configuration__init) {
            $0.n_virtual_hosts = 1
            $0.virtual_hosts = arena.array([host])
        }
        let json = try #require(ProtobufJSON.render(typeURL: ResourceType.route.typeURL, bytes: ProtobufWire.pack(configuration)))
        guard case .array(let hosts)? = json["virtual_hosts"], case .array(let routes)? = hosts.first?["routes"] else {
            Issue.record("no routes in \(json.json())")
            return
        }
        let perFilter = try #require(routes.first?["typed_per_filter_config"])
        let rendered = try #require(perFilter["envoy.filters.http.local_ratelimit"], "the map renders as an object keyed by filter name")
        #expect(rendered["descriptors"] == .array([.object([("entries", .array([.object([("key", .string("x-tenant-id")), ("value", .string("a"))])]))])]))
    }
}
