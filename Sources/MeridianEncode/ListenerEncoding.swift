import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `Listener`: one filter chain per IR chain, each the HTTP connection manager (HTTP/1.1, and
/// HTTP/2 with prior knowledge, which gRPC clients use in clear text, or by ALPN over TLS;
/// WebSocket upgrades allowed) with routes over RDS and the HTTP filters CORS, local rate
/// limit, stateful session and router. A TLS chain matches its SNI names and terminates TLS
/// with certificates fetched over SDS; a listener with TLS chains reads the ClientHello with
/// the TLS inspector first.
enum ListenerEncoding {
    /// A listener, and which of its chains' route tables are split by host (scoped routes).
    struct Key: Hashable, Sendable {
        var listener: Listener
        var splitTables: Set<String>
    }

    static func encode(_ key: Key) -> [UInt8] {
        encode(key.listener, splitTables: key.splitTables)
    }

    private static func encode(_ listener: Listener, splitTables: Set<String>) -> [UInt8] {
        let arena = ProtobufArena()
        let chains = listener.filterChains.map { filterChain(arena, $0, listener: listener, splitByHost: splitTables.contains($0.routeTableName)) }
        let usesTLS = listener.filterChains.contains { $0.tls != nil }
        let inspector = usesTLS ? [tlsInspector(arena)] : []
        let message = arena.make(envoy__config__listener__v3__listener__init) {
            $0.name = arena.string(listener.name)
            $0.address = CoreMessages.socketAddress(arena, host: listener.address, port: listener.port)
            $0.n_filter_chains = chains.count
            $0.filter_chains = arena.array(chains)
            $0.n_listener_filters = inspector.count
            $0.listener_filters = arena.array(inspector)
        }
        return ProtobufWire.pack(message)
    }

    private static func filterChain(
        _ arena: ProtobufArena,
        _ chain: FilterChain,
        listener: Listener,
        splitByHost: Bool
    ) -> UnsafeMutablePointer<Envoy__Config__Listener__V3__FilterChain> {
        let manager = arena.any(typeURL: ExtensionTypeURL.httpConnectionManager, packing: httpConnectionManager(arena, chain, listener: listener, splitByHost: splitByHost))
        let networkFilter = arena.make(envoy__config__listener__v3__filter__init) {
            $0.name = arena.string(ExtensionName.httpConnectionManager)
            $0.config_type_case = ENVOY__CONFIG__LISTENER__V3__FILTER__CONFIG_TYPE_TYPED_CONFIG
            $0.typed_config = manager
        }
        let match = chain.serverNames.isEmpty ? nil : arena.make(envoy__config__listener__v3__filter_chain_match__init) {
            $0.n_server_names = chain.serverNames.count
            $0.server_names = arena.strings(chain.serverNames)
        }
        let transportSocket = chain.tls.map { TLSEncoding.transportSocket(arena, $0) }
        return arena.make(envoy__config__listener__v3__filter_chain__init) {
            $0.filter_chain_match = match
            $0.n_filters = 1
            $0.filters = arena.array([networkFilter])
            $0.transport_socket = transportSocket
            // A plain listener's single chain stays unnamed, as it always was.
            if chain.tls != nil { $0.name = arena.string(chain.name) }
        }
    }

    private static func tlsInspector(_ arena: ProtobufArena) -> UnsafeMutablePointer<Envoy__Config__Listener__V3__ListenerFilter> {
        let config = arena.any(typeURL: ExtensionTypeURL.tlsInspector, packing: arena.make(envoy__extensions__filters__listener__tls_inspector__v3__tls_inspector__init))
        return arena.make(envoy__config__listener__v3__listener_filter__init) {
            $0.name = arena.string(ExtensionName.tlsInspector)
            $0.config_type_case = ENVOY__CONFIG__LISTENER__V3__LISTENER_FILTER__CONFIG_TYPE_TYPED_CONFIG
            $0.typed_config = config
        }
    }

    private static func httpConnectionManager(
        _ arena: ProtobufArena,
        _ chain: FilterChain,
        listener: Listener,
        splitByHost: Bool
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__HttpConnectionManager> {
        let rds = splitByHost ? nil : arena.make(envoy__extensions__filters__network__http_connection_manager__v3__rds__init) {
            $0.config_source = CoreMessages.aggregatedSource(arena)
            $0.route_config_name = arena.string(chain.routeTableName)
        }
        let scoped = splitByHost ? ScopedRouteEncoding.scopedRoutes(arena, tableName: chain.routeTableName) : nil
        // The CORS and policy filters are always installed, as no-ops unless the listener or
        // a route configures them, so a route's filter or policy never changes the Listener.
        // CORS comes first: a preflight is answered before it can spend a rate limit token.
        let filters = [
            httpFilter(arena, name: ExtensionName.cors, typeURL: ExtensionTypeURL.cors,
                       config: arena.make(envoy__extensions__filters__http__cors__v3__cors__init)),
            httpFilter(arena, name: ExtensionName.localRateLimit, typeURL: ExtensionTypeURL.localRateLimit,
                       config: LocalRateLimitEncoding.listenerConfig(arena, listener.localRateLimit, statPrefix: "\(chain.name)_local_rate_limit")),
            httpFilter(arena, name: ExtensionName.statefulSession, typeURL: ExtensionTypeURL.statefulSession,
                       config: StatefulSessionEncoding.listenerConfig(arena)),
            httpFilter(arena, name: ExtensionName.router, typeURL: ExtensionTypeURL.router,
                       config: arena.make(envoy__extensions__filters__http__router__v3__router__init)),
        ]
        // WebSocket upgrades are always allowed (as Envoy Gateway and kgateway do): a client
        // asks for one, and a backend that does not speak WebSocket simply declines it.
        let websocket = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__upgrade_config__init) {
            $0.upgrade_type = arena.string("websocket")
        }
        return arena.make(envoy__extensions__filters__network__http_connection_manager__v3__http_connection_manager__init) {
            $0.stat_prefix = arena.string(chain.name)
            $0.n_upgrade_configs = 1
            $0.upgrade_configs = arena.array([websocket])
            if let scoped {
                $0.route_specifier_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_SCOPED_ROUTES
                $0.scoped_routes = scoped
            } else {
                $0.route_specifier_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__HTTP_CONNECTION_MANAGER__ROUTE_SPECIFIER_RDS
                $0.rds = rds
            }
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
}
