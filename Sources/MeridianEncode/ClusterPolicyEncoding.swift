import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// A cluster's policies: load balancing, circuit breakers, outlier detection, active
/// health checks and the upstream HTTP protocol options.
enum ClusterPolicyEncoding {
    typealias ClusterMessage = Envoy__Config__Cluster__V3__Cluster

    /// `lb_policy` and, when the IR sets one, its `lb_config`.
    static func applyLoadBalancer(_ arena: ProtobufArena, _ balancer: LoadBalancer, to message: inout ClusterMessage) {
        switch balancer {
        case .roundRobin:
            message.lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__ROUND_ROBIN
        case .random:
            message.lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RANDOM
        case .leastRequest(let choiceCount):
            message.lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__LEAST_REQUEST
            if let choiceCount {
                message.lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_LEAST_REQUEST_LB_CONFIG
                message.least_request_lb_config = arena.make(envoy__config__cluster__v3__cluster__least_request_lb_config__init) {
                    $0.choice_count = arena.uint32(choiceCount)
                }
            }
        case .ringHash(let minimum, let maximum):
            message.lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__RING_HASH
            if minimum != nil || maximum != nil {
                message.lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_RING_HASH_LB_CONFIG
                message.ring_hash_lb_config = arena.make(envoy__config__cluster__v3__cluster__ring_hash_lb_config__init) {
                    if let minimum { $0.minimum_ring_size = arena.uint64(minimum) }
                    if let maximum { $0.maximum_ring_size = arena.uint64(maximum) }
                }
            }
        case .maglev(let tableSize):
            message.lb_policy = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_POLICY__MAGLEV
            if let tableSize {
                message.lb_config_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__LB_CONFIG_MAGLEV_LB_CONFIG
                message.maglev_lb_config = arena.make(envoy__config__cluster__v3__cluster__maglev_lb_config__init) {
                    $0.table_size = arena.uint64(tableSize)
                }
            }
        }
    }

    /// One threshold set at the DEFAULT routing priority, the only one routes use.
    static func circuitBreakers(_ arena: ProtobufArena, _ breakers: CircuitBreakers) -> UnsafeMutablePointer<Envoy__Config__Cluster__V3__CircuitBreakers> {
        let thresholds = arena.make(envoy__config__cluster__v3__circuit_breakers__thresholds__init) {
            $0.priority = ENVOY__CONFIG__CORE__V3__ROUTING_PRIORITY__DEFAULT
            if let value = breakers.maxConnections { $0.max_connections = arena.uint32(value) }
            if let value = breakers.maxPendingRequests { $0.max_pending_requests = arena.uint32(value) }
            if let value = breakers.maxRequests { $0.max_requests = arena.uint32(value) }
            if let value = breakers.maxRetries { $0.max_retries = arena.uint32(value) }
        }
        return arena.make(envoy__config__cluster__v3__circuit_breakers__init) {
            $0.n_thresholds = 1
            $0.thresholds = arena.array([thresholds])
        }
    }

    static func outlierDetection(_ arena: ProtobufArena, _ detection: OutlierDetection) -> UnsafeMutablePointer<Envoy__Config__Cluster__V3__OutlierDetection> {
        arena.make(envoy__config__cluster__v3__outlier_detection__init) {
            if let value = detection.consecutive5xx { $0.consecutive_5xx = arena.uint32(value) }
            if let value = detection.consecutiveGatewayFailure { $0.consecutive_gateway_failure = arena.uint32(value) }
            if let value = detection.interval { $0.interval = arena.duration(value) }
            if let value = detection.baseEjectionTime { $0.base_ejection_time = arena.duration(value) }
            if let value = detection.maxEjectionPercent { $0.max_ejection_percent = arena.uint32(value) }
        }
    }

    static func healthCheck(_ arena: ProtobufArena, _ check: HealthCheck) -> UnsafeMutablePointer<Envoy__Config__Core__V3__HealthCheck> {
        arena.make(envoy__config__core__v3__health_check__init) { message in
            message.timeout = arena.duration(check.timeout)
            message.interval = arena.duration(check.interval)
            // Envoy checks a cluster that has had no traffic yet only every 60 s unless told
            // otherwise, and keeps that timer once armed: the interval the user wrote is meant.
            message.no_traffic_interval = arena.duration(check.interval)
            message.unhealthy_threshold = arena.uint32(check.unhealthyThreshold)
            message.healthy_threshold = arena.uint32(check.healthyThreshold)
            switch check.probe {
            case .http(let path, let host, let expectedStatuses):
                let ranges = expectedStatuses.map { range in
                    arena.make(envoy__type__v3__int64_range__init) {
                        $0.start = Int64(range.lowerBound)
                        $0.end = Int64(range.upperBound)
                    }
                }
                message.health_checker_case = ENVOY__CONFIG__CORE__V3__HEALTH_CHECK__HEALTH_CHECKER_HTTP_HEALTH_CHECK
                message.http_health_check = arena.make(envoy__config__core__v3__health_check__http_health_check__init) {
                    $0.path = arena.string(path)
                    if let host { $0.host = arena.string(host) }
                    $0.n_expected_statuses = ranges.count
                    $0.expected_statuses = arena.array(ranges)
                }
            case .grpc(let serviceName, let authority):
                message.health_checker_case = ENVOY__CONFIG__CORE__V3__HEALTH_CHECK__HEALTH_CHECKER_GRPC_HEALTH_CHECK
                message.grpc_health_check = arena.make(envoy__config__core__v3__health_check__grpc_health_check__init) {
                    if let serviceName { $0.service_name = arena.string(serviceName) }
                    if let authority { $0.authority = arena.string(authority) }
                }
            }
        }
    }

    typealias ProtocolOptionsEntry = Envoy__Config__Cluster__V3__Cluster__TypedExtensionProtocolOptionsEntry

    /// `typed_extension_protocol_options`: the upstream `HttpProtocolOptions`, when the IR
    /// asks for upstream HTTP settings or the cluster is gRPC health checked.
    static func protocolOptionsEntries(_ arena: ProtobufArena, _ cluster: Cluster) -> [UnsafeMutablePointer<ProtocolOptionsEntry>] {
        // Envoy refuses gRPC health checking of a cluster that does not speak HTTP/2
        // ("cluster must support HTTP/2 for gRPC healthchecking"), and a gRPC service
        // speaks nothing else: such a cluster gets HTTP/2 even when the IR leaves it at
        // its default (HTTP/1.1).
        let grpcChecked = cluster.healthChecks.contains { if case .grpc = $0.probe { true } else { false } }
        var options = cluster.upstreamHTTP
        if grpcChecked, options?.http2 == nil {
            options = options ?? UpstreamHTTPOptions()
            options?.http2 = HTTP2Options()
        }
        guard let options else { return [] }
        let value = arena.any(typeURL: ExtensionTypeURL.upstreamHTTPProtocolOptions, packing: httpProtocolOptions(arena, options))
        return [arena.make(envoy__config__cluster__v3__cluster__typed_extension_protocol_options_entry__init) {
            $0.key = arena.string(ExtensionName.upstreamHTTPProtocolOptions)
            $0.value = value
        }]
    }

    private static func httpProtocolOptions(
        _ arena: ProtobufArena,
        _ options: UpstreamHTTPOptions
    ) -> UnsafeMutablePointer<Envoy__Extensions__Upstreams__Http__V3__HttpProtocolOptions> {
        let common = arena.make(envoy__config__core__v3__http_protocol_options__init) {
            if let value = options.idleTimeout { $0.idle_timeout = arena.duration(value) }
            if let value = options.maxConnectionDuration { $0.max_connection_duration = arena.duration(value) }
            if let value = options.maxHeadersCount { $0.max_headers_count = arena.uint32(value) }
            if let value = options.maxRequestsPerConnection { $0.max_requests_per_connection = arena.uint32(value) }
        }
        // HttpProtocolOptions must name the protocol; explicit HTTP/1.1 is what a cluster
        // without these options speaks anyway.
        let explicit = arena.make(envoy__extensions__upstreams__http__v3__http_protocol_options__explicit_http_config__init) { config in
            if let http2 = options.http2 {
                config.protocol_config_case = ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__EXPLICIT_HTTP_CONFIG__PROTOCOL_CONFIG_HTTP2_PROTOCOL_OPTIONS
                config.http2_protocol_options = arena.make(envoy__config__core__v3__http2_protocol_options__init) {
                    if let value = http2.maxConcurrentStreams { $0.max_concurrent_streams = arena.uint32(value) }
                    if let value = http2.initialStreamWindowSize { $0.initial_stream_window_size = arena.uint32(value) }
                    if let value = http2.initialConnectionWindowSize { $0.initial_connection_window_size = arena.uint32(value) }
                }
            } else {
                config.protocol_config_case = ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__EXPLICIT_HTTP_CONFIG__PROTOCOL_CONFIG_HTTP_PROTOCOL_OPTIONS
                config.http_protocol_options = arena.make(envoy__config__core__v3__http1_protocol_options__init)
            }
        }
        return arena.make(envoy__extensions__upstreams__http__v3__http_protocol_options__init) {
            $0.common_http_protocol_options = common
            $0.upstream_protocol_options_case = ENVOY__EXTENSIONS__UPSTREAMS__HTTP__V3__HTTP_PROTOCOL_OPTIONS__UPSTREAM_PROTOCOL_OPTIONS_EXPLICIT_HTTP_CONFIG
            $0.explicit_http_config = explicit
        }
    }
}
