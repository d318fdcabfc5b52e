import EnvoyAPI
import MeridianEncode
import MeridianIR
import Testing

@Suite("Encoding clusters and endpoints with resilience policies")
struct ClusterPolicyEncodingTests {
    @Test("each load balancer kind sets lb_policy and, when the IR says, its lb_config")
    func loadBalancers() throws {
        let rendered = try RenderedResources()
        #expect(try rendered.json(.cluster, "round-robin").at("lb_policy") == nil, "ROUND_ROBIN is the proto default, absent on the wire")
        let least = try rendered.json(.cluster, "least-request")
        #expect(least.at("lb_policy") == .string("LEAST_REQUEST"))
        #expect(least.at("least_request_lb_config", "choice_count") == .integer(3))
        let leastDefault = try rendered.json(.cluster, "least-request-default")
        #expect(leastDefault.at("lb_policy") == .string("LEAST_REQUEST") && leastDefault.at("least_request_lb_config") == nil)
        #expect(try rendered.json(.cluster, "random-dns").at("lb_policy") == .string("RANDOM"))
        let ring = try rendered.json(.cluster, "ring-hash")
        #expect(ring.at("lb_policy") == .string("RING_HASH"))
        #expect(ring.at("ring_hash_lb_config") == .object([("minimum_ring_size", .string("1024")), ("maximum_ring_size", .string("8388608"))]))
        let ringDefault = try rendered.json(.cluster, "ring-hash-default")
        #expect(ringDefault.at("lb_policy") == .string("RING_HASH") && ringDefault.at("ring_hash_lb_config") == nil)
        let maglev = try rendered.json(.cluster, "maglev")
        #expect(maglev.at("lb_policy") == .string("MAGLEV"))
        #expect(maglev.at("maglev_lb_config", "table_size") == .string("65537"))
        let maglevDefault = try rendered.json(.cluster, "maglev-default")
        #expect(maglevDefault.at("lb_policy") == .string("MAGLEV") && maglevDefault.at("maglev_lb_config") == nil)
    }

    @Test("circuit breakers and outlier detection")
    func breakersAndOutliers() throws {
        let cluster = try RenderedResources().json(.cluster, "round-robin")
        #expect(cluster.at("circuit_breakers", "thresholds")?.count == 1)
        #expect(cluster.at("circuit_breakers", "thresholds", 0) == .object([
            ("max_connections", .integer(100)), ("max_pending_requests", .integer(50)), ("max_requests", .integer(200)), ("max_retries", .integer(4)),
        ]), "priority DEFAULT is the proto default, absent on the wire")
        let outliers = try #require(cluster.at("outlier_detection"))
        #expect(outliers.at("consecutive_5xx") == .integer(5))
        #expect(outliers.at("consecutive_gateway_failure") == .integer(3))
        #expect(outliers.at("interval") == .string("10s"))
        #expect(outliers.at("base_ejection_time") == .string("30s"))
        #expect(outliers.at("max_ejection_percent") == .integer(50))
        #expect(outliers.keys.count == 5)
        #expect(try RenderedResources().json(.cluster, "maglev").at("circuit_breakers") == nil)
    }

    @Test("HTTP and gRPC active health checks")
    func healthChecks() throws {
        let rendered = try RenderedResources()
        let http = try #require(try rendered.json(.cluster, "round-robin").at("health_checks", 0))
        #expect(http.at("timeout") == .string("1s"))
        #expect(http.at("interval") == .string("5s"))
        #expect(http.at("no_traffic_interval") == .string("5s"), "the interval holds before traffic too")
        #expect(http.at("unhealthy_threshold") == .integer(3))
        #expect(http.at("healthy_threshold") == .integer(2))
        #expect(http.at("http_health_check", "path") == .string("/healthz"))
        #expect(http.at("http_health_check", "host") == .string("health.internal"))
        #expect(http.at("http_health_check", "expected_statuses") == .array([
            .object([("start", .string("200")), ("end", .string("300"))]), .object([("start", .string("404")), ("end", .string("405"))]),
        ]), "Int64Range is half-open like the IR's Range")

        let grpc = try #require(try rendered.json(.cluster, "least-request").at("health_checks", 0))
        #expect(grpc.at("timeout") == .string("0.500s"))
        #expect(grpc.at("grpc_health_check") == .object([("service_name", .string("inference.v1.Model")), ("authority", .string("model.internal"))]))
        #expect(grpc.at("http_health_check") == nil)
        let bare = try #require(try rendered.json(.cluster, "grpc-default-http2").at("health_checks", 0))
        #expect(bare.at("grpc_health_check") == .object([]))
    }

    @Test("upstream HTTP options: common options, HTTP/1.1 or HTTP/2 with its settings")
    func upstreamHTTP() throws {
        let rendered = try RenderedResources()
        let key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
        let http1 = try #require(try rendered.json(.cluster, "round-robin").at("typed_extension_protocol_options", .key(key)))
        #expect(http1.at("@type") == .string("type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"))
        #expect(http1.at("common_http_protocol_options") == .object([
            ("idle_timeout", .string("60s")), ("max_headers_count", .integer(80)), ("max_connection_duration", .string("600s")), ("max_requests_per_connection", .integer(100)),
        ]))
        #expect(http1.at("explicit_http_config") == .object([("http_protocol_options", .object([]))]))

        let http2 = try #require(try rendered.json(.cluster, "least-request").at("typed_extension_protocol_options", .key(key)))
        #expect(http2.at("explicit_http_config", "http2_protocol_options") == .object([
            ("max_concurrent_streams", .integer(100)), ("initial_stream_window_size", .integer(65_536)), ("initial_connection_window_size", .integer(1_048_576)),
        ]))
        #expect(http2.at("common_http_protocol_options") == .object([]))

        let implied = try #require(try rendered.json(.cluster, "grpc-default-http2").at("typed_extension_protocol_options", .key(key)))
        #expect(implied.at("explicit_http_config") == .object([("http2_protocol_options", .object([]))]), "gRPC health checking needs HTTP/2")
        #expect(try rendered.json(.cluster, "maglev").at("typed_extension_protocol_options") == nil, "no options, no entry")
    }

    @Test("endpoints are grouped into one locality per priority, ascending, for EDS and DNS alike")
    func priorities() throws {
        let rendered = try RenderedResources()
        let assignment = try rendered.json(.endpoint, "round-robin")
        #expect(assignment.at("endpoints")?.count == 2)
        #expect(assignment.at("endpoints", 0, "priority") == nil, "priority 0 is the default")
        #expect(assignment.at("endpoints", 0, "lb_endpoints")?.count == 2)
        #expect(assignment.at("endpoints", 0, "lb_endpoints", 0, "endpoint", "address", "socket_address", "address") == .string("127.0.0.1"))
        #expect(assignment.at("endpoints", 0, "lb_endpoints", 1, "health_status") == .string("UNHEALTHY"))
        #expect(assignment.at("endpoints", 1, "priority") == .integer(1))
        #expect(assignment.at("endpoints", 1, "lb_endpoints", 0, "endpoint", "address", "socket_address", "port_value") == .integer(9002))

        let dns = try rendered.json(.cluster, "random-dns")
        #expect(dns.at("type") == .string("STRICT_DNS"))
        let inline = try #require(dns.at("load_assignment", "endpoints"))
        #expect(inline.count == 2)
        #expect(inline.at(0, "lb_endpoints")?.count == 2, "several DNS names at priority 0")
        #expect(inline.at(0, "lb_endpoints", 0, "endpoint", "address", "socket_address", "address") == .string("primary-a.ai-gateway.svc.cluster.local"))
        #expect(inline.at(0, "lb_endpoints", 1, "endpoint", "address", "socket_address", "address") == .string("primary-b.ai-gateway.svc.cluster.local"))
        #expect(inline.at(1, "priority") == .integer(1))
        #expect(inline.at(1, "lb_endpoints", 0, "endpoint", "address", "socket_address", "address") == .string("fallback.ai-gateway.svc.cluster.local"))
    }

    @Test("a cluster without endpoints has an assignment without localities")
    func noEndpoints() throws {
        let configuration = ProxyConfiguration(group: "g", clusters: [Cluster(name: "empty", discovery: .endpoints([]))])
        let rendered = try RenderedResources(configuration)
        #expect(try rendered.json(.endpoint, "empty").at("endpoints") == nil)
    }
}
