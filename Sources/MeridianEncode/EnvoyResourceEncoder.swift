import EnvoyAPI
import MeridianIR

/// Turns a proxy group's configuration into Envoy xDS resources.
///
/// This is the only place the IR meets Envoy's wire types. It runs once per
/// snapshot: every stream then shares the bytes it produced.
public enum EnvoyResourceEncoder {
    /// Encodes every listener, route table, cluster, load assignment and secret, sorted by type
    /// then name. With `cache`, pieces whose IR the group's previous encode already had are
    /// taken from it instead of encoded again (the bytes are the same either way).
    public static func encode(_ configuration: ProxyConfiguration, cache: EncodingCache? = nil) -> [XDSResource] {
        var memo = EncodingMemo(previous: cache?.take(group: configuration.group) ?? .init())
        defer { cache?.store(memo, group: configuration.group) }
        var resources: [XDSResource] = []
        let split = configuration.routeTables.filter(\.splitByHost)
        let splitNames = Set(split.map(\.name))
        for listener in configuration.listeners {
            let splitTables = splitNames.intersection(listener.routeTableNames)
            resources.append(XDSResource(
                type: .listener,
                name: listener.name,
                message: memo.value(ListenerEncoding.Key(listener: listener, splitTables: splitTables), in: \.listeners) { SerializedMessage(ListenerEncoding.encode($0)) },
                // A chain with scoped routes names no table itself: its scopes do.
                references: listener.routeTableNames.filter { !splitTables.contains($0) }.map { .init(type: .route, name: $0) }
                    + listener.secretNames.map { .init(type: .secret, name: $0) }
            ))
        }
        let routeTables = configuration.routeTables.filter { !$0.splitByHost }
        var hostTables: [RouteTable] = []
        for table in split {
            let (tables, scopes) = ScopedRouteEncoding.split(table)
            hostTables += tables
            for scope in scopes {
                resources.append(XDSResource(
                    type: .scopedRoute,
                    name: scope.name,
                    message: memo.value(.init(name: scope.name, domain: scope.domain, table: scope.table), in: \.scopes) {
                        SerializedMessage(ScopedRouteEncoding.scope(name: $0.name, domain: $0.domain, table: $0.table))
                    },
                    references: [.init(type: .route, name: scope.table)]
                ))
            }
        }
        for secret in configuration.secrets {
            resources.append(XDSResource(type: .secret, name: secret.name, message: SerializedMessage(TLSEncoding.encode(secret))))
        }
        // A route table names its clusters so the server can add them before it and remove them
        // after it (make-before-break); a backend with no cluster (answered 500 or 503 by
        // `cluster_not_found_response_code`) names one that does not exist on purpose.
        let clusterNames = Set(configuration.clusters.map(\.name))
        for table in routeTables + hostTables {
            let message: SerializedMessage
            if table.virtualHosts.count == 1, let reused = memo.reused(table, in: \.hostTables) {
                message = reused
            } else {
                message = SerializedMessage(RouteEncoding.encode(table, memo: &memo))
                if table.virtualHosts.count == 1 { memo.record(message, for: table, in: \.hostTables) }
            }
            resources.append(XDSResource(
                type: .route,
                name: table.name,
                message: message,
                references: table.clusterNames.filter(clusterNames.contains).map { .init(type: .cluster, name: $0) }
            ))
        }
        for cluster in configuration.clusters {
            let usesEDS: Bool
            if case .endpoints(let endpoints) = cluster.discovery {
                usesEDS = true
                resources.append(XDSResource(
                    type: .endpoint,
                    name: cluster.name,
                    message: memo.value(.init(clusterName: cluster.name, endpoints: endpoints), in: \.loadAssignments) {
                        SerializedMessage(EndpointEncoding.encode(clusterName: $0.clusterName, endpoints: $0.endpoints))
                    }
                ))
            } else {
                usesEDS = false
            }
            resources.append(XDSResource(
                type: .cluster,
                name: cluster.name,
                message: memo.value(cluster, in: \.clusters) { SerializedMessage(ClusterEncoding.encode($0)) },
                references: (usesEDS ? [.init(type: .endpoint, name: cluster.name)] : [])
                    + (cluster.upstreamTLS?.clientCertificateSecret.map { [.init(type: .secret, name: $0)] } ?? [])
            ))
        }
        return resources.sorted { ($0.type, $0.name) < ($1.type, $1.name) }
    }
}

/// Type URLs of the extension configs Meridian embeds in `Any`.
enum ExtensionTypeURL {
    static let httpConnectionManager = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
    static let router = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"
    static let localRateLimit = "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
    static let cors = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"
    static let corsPolicy = "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy"
    static let statefulSession = "type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSession"
    static let statefulSessionPerRoute = "type.googleapis.com/envoy.extensions.filters.http.stateful_session.v3.StatefulSessionPerRoute"
    static let cookieSessionState = "type.googleapis.com/envoy.extensions.http.stateful_session.cookie.v3.CookieBasedSessionState"
    static let headerSessionState = "type.googleapis.com/envoy.extensions.http.stateful_session.header.v3.HeaderBasedSessionState"
    static let upstreamHTTPProtocolOptions = "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    static let tlsInspector = "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector"
    static let downstreamTLSContext = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
    static let upstreamTLSContext = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
}

/// Names of the extensions Meridian configures: HTTP filters (also the keys of a
/// route's `typed_per_filter_config`), session state carriers, protocol options keys.
enum ExtensionName {
    static let httpConnectionManager = "envoy.filters.network.http_connection_manager"
    static let router = "envoy.filters.http.router"
    static let localRateLimit = "envoy.filters.http.local_ratelimit"
    static let cors = "envoy.filters.http.cors"
    static let statefulSession = "envoy.filters.http.stateful_session"
    static let cookieSessionState = "envoy.http.stateful_session.cookie"
    static let headerSessionState = "envoy.http.stateful_session.header"
    static let upstreamHTTPProtocolOptions = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    static let tlsInspector = "envoy.filters.listener.tls_inspector"
    static let tlsTransportSocket = "envoy.transport_sockets.tls"
}
