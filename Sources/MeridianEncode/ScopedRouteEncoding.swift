import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// A route table split by host (`RouteTable.splitByHost`) as Envoy's scoped routes: the
/// connection manager builds a scope key from the request's `Host` (without the port), and
/// each `ScopedRouteConfiguration` (SRDS) maps one host name to the RouteConfiguration of its
/// virtual host. One new or changed host name is then one small table for Envoy to build,
/// where a single table makes it rebuild every route of the port
/// (`scripts/measure-route-table-layouts`).
enum ScopedRouteEncoding {
    /// The connection manager's `scoped_routes`: scopes and their tables over ADS.
    static func scopedRoutes(
        _ arena: ProtobufArena,
        tableName: String
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Network__HttpConnectionManager__V3__ScopedRoutes> {
        // `:authority` is the Host header (HTTP/1.1) or pseudo-header (HTTP/2); the key is its
        // part before a ":" (the port), as `ignore_port_in_host_matching` does for a single table.
        let extractor = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__scoped_routes__scope_key_builder__fragment_builder__header_value_extractor__init) {
            $0.name = arena.string(":authority")
            $0.element_separator = arena.string(":")
            $0.extract_type_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__SCOPED_ROUTES__SCOPE_KEY_BUILDER__FRAGMENT_BUILDER__HEADER_VALUE_EXTRACTOR__EXTRACT_TYPE_INDEX
            $0.index = 0
        }
        let fragment = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__scoped_routes__scope_key_builder__fragment_builder__init) {
            $0.type_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__SCOPED_ROUTES__SCOPE_KEY_BUILDER__FRAGMENT_BUILDER__TYPE_HEADER_VALUE_EXTRACTOR
            $0.header_value_extractor = extractor
        }
        let builder = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__scoped_routes__scope_key_builder__init) {
            $0.n_fragments = 1
            $0.fragments = arena.array([fragment])
        }
        let scopedRDS = arena.make(envoy__extensions__filters__network__http_connection_manager__v3__scoped_rds__init) {
            $0.scoped_rds_config_source = CoreMessages.aggregatedSource(arena)
        }
        return arena.make(envoy__extensions__filters__network__http_connection_manager__v3__scoped_routes__init) {
            $0.name = arena.string(tableName)
            $0.scope_key_builder = builder
            $0.rds_config_source = CoreMessages.aggregatedSource(arena)
            $0.config_specifier_case = ENVOY__EXTENSIONS__FILTERS__NETWORK__HTTP_CONNECTION_MANAGER__V3__SCOPED_ROUTES__CONFIG_SPECIFIER_SCOPED_RDS
            $0.scoped_rds = scopedRDS
        }
    }

    /// The tables and scopes of a table split by host: per virtual host, a RouteConfiguration
    /// with that virtual host alone, and a scope per host name it serves.
    static func split(_ table: RouteTable) -> (tables: [RouteTable], scopes: [(name: String, domain: String, table: String)]) {
        var tables: [RouteTable] = []
        var scopes: [(name: String, domain: String, table: String)] = []
        for host in table.virtualHosts {
            let name = table.hostTableName(host)
            tables.append(RouteTable(name: name, virtualHosts: [host]))
            for domain in host.domains {
                scopes.append((name: "\(table.name)/\(domain)", domain: domain, table: name))
            }
        }
        return (tables, scopes)
    }

    /// One `ScopedRouteConfiguration`: requests whose key is `domain` use table `table`.
    static func scope(name: String, domain: String, table: String) -> [UInt8] {
        let arena = ProtobufArena()
        let fragment = arena.make(envoy__config__route__v3__scoped_route_configuration__key__fragment__init) {
            $0.type_case = ENVOY__CONFIG__ROUTE__V3__SCOPED_ROUTE_CONFIGURATION__KEY__FRAGMENT__TYPE_STRING_KEY
            $0.string_key = arena.string(domain)
        }
        let key = arena.make(envoy__config__route__v3__scoped_route_configuration__key__init) {
            $0.n_fragments = 1
            $0.fragments = arena.array([fragment])
        }
        return ProtobufWire.pack(arena.make(envoy__config__route__v3__scoped_route_configuration__init) {
            $0.name = arena.string(name)
            $0.route_configuration_name = arena.string(table)
            $0.key = key
        })
    }
}
