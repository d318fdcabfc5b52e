import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `Listener` with one filter chain: the HTTP connection manager, routes over RDS, router last.
enum ListenerEncoding {
    static func encode(_ listener: Listener) -> [UInt8] {
        let arena = ProtobufArena()
        let manager = arena.any(typeURL: ExtensionTypeURL.httpConnectionManager, packing: httpConnectionManager(arena, listener))
        let networkFilter = arena.make(envoy__config__listener__v3__filter__init) {
            $0.name = arena.string("envoy.filters.network.http_connection_manager")
            $0.config_type_case = ENVOY__CONFIG__LISTENER__V3__FILTER__CONFIG_TYPE_TYPED_CONFIG
            $0.typed_config = manager
        }
        let chain = arena.make(envoy__config__listener__v3__filter_chain__init) {
            $0.n_filters = 1
            $0.filters = arena.array([networkFilter])
        }
        let message = arena.make(envoy__config__listener__v3__listener__init) {
            $0.name = arena.string(listener.name)
            $0.address = CoreMessages.socketAddress(arena, host: listener.address, port: listener.port)
            $0.n_filter_chains = 1
            $0.filter_chains = arena.array([chain])
        }
        return ProtobufWire.pack(message)
    }

    private static func httpConnectionManager(
        _ arena: ProtobufArena,
        _ listener: Listener
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpConnectionManager> {
        let rds = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__rds__init) {
            $0.config_source = CoreMessages.aggregatedSource(arena)
            $0.route_config_name = arena.string(listener.routeTableName)
        }
        var filters: [UnsafeMutablePointer<Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpFilter>] = []
        if let limit = listener.localRateLimit {
            filters.append(httpFilter(arena, name: "envoy.filters.http.local_ratelimit", typeURL: ExtensionTypeURL.localRateLimit, config: localRateLimit(arena, limit, statPrefix: listener.name)))
        }
        let router = arena.make(envoy__extensions__filters__http__router__v3__router__init)
        filters.append(httpFilter(arena, name: "envoy.filters.http.router", typeURL: ExtensionTypeURL.router, config: router))
        return arena.make(envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__init) {
            $0.stat_prefix = arena.string(listener.name)
            $0.route_specifier_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_RDS
            $0.rds = rds
            $0.n_http_filters = filters.count
            $0.http_filters = arena.array(filters)
        }
    }

    private static func httpFilter<Config>(
        _ arena: ProtobufArena,
        name: String,
        typeURL: String,
        config: UnsafeMutablePointer<Config>
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpFilter> {
        let typed = arena.any(typeURL: typeURL, packing: config)
        return arena.make(envoy__extensions__filters__network__http_connection_manager__v3__http_filter__init) {
            $0.name = arena.string(name)
            $0.config_type_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_FILTER__CONFIG_TYPE_TYPED_CONFIG
            $0.typed_config = typed
        }
    }

    private static func localRateLimit(
        _ arena: ProtobufArena,
        _ limit: LocalRateLimit,
        statPrefix: String
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Http__LocalRatelimit__V3__LocalRateLimit> {
        let bucket = limit.tokenBucket.map { bucket in
            arena.make(envoy__type__v3__token_bucket__init) {
                $0.max_tokens = bucket.maxTokens
                $0.tokens_per_fill = arena.uint32(bucket.tokensPerFill)
                $0.fill_interval = arena.duration(bucket.fillInterval)
            }
        }
        return arena.make(envoy__extensions__filters__http__local_ratelimit__v3__local_rate_limit__init) {
            $0.stat_prefix = arena.string("\(statPrefix)_local_rate_limit")
            $0.token_bucket = bucket
            $0.filter_enabled = CoreMessages.always(arena, runtimeKey: "local_rate_limit_enabled")
            $0.filter_enforced = CoreMessages.always(arena, runtimeKey: "local_rate_limit_enforced")
        }
    }
}
