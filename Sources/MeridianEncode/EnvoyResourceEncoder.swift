import EnvoyAPI
import MeridianIR

/// Turns a proxy group's configuration into Envoy xDS resources.
///
/// This is the only place the IR meets Envoy's wire types. It runs once per
/// snapshot: every stream then shares the bytes it produced.
public enum EnvoyResourceEncoder {
    /// Encodes every listener, route table, cluster and load assignment, sorted by type then name.
    public static func encode(_ configuration: ProxyConfiguration) -> [XDSResource] {
        var resources: [XDSResource] = []
        for listener in configuration.listeners {
            resources.append(XDSResource(
                type: .listener,
                name: listener.name,
                message: SerializedMessage(ListenerEncoding.encode(listener)),
                references: [.init(type: .route, name: listener.routeTableName)]
            ))
        }
        for table in configuration.routeTables {
            resources.append(XDSResource(type: .route, name: table.name, message: SerializedMessage(RouteEncoding.encode(table))))
        }
        for cluster in configuration.clusters {
            let usesEDS: Bool
            if case .endpoints(let endpoints) = cluster.discovery {
                usesEDS = true
                resources.append(XDSResource(
                    type: .endpoint,
                    name: cluster.name,
                    message: SerializedMessage(EndpointEncoding.encode(clusterName: cluster.name, endpoints: endpoints))
                ))
            } else {
                usesEDS = false
            }
            resources.append(XDSResource(
                type: .cluster,
                name: cluster.name,
                message: SerializedMessage(ClusterEncoding.encode(cluster)),
                references: usesEDS ? [.init(type: .endpoint, name: cluster.name)] : []
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
}
