import EnvoyAPI

/// A snapshot in the shape of Envoy's admin `/config_dump`, so a translation
/// can be compared with what a proxy reports.
public enum ConfigDump {
    /// The four dynamic sections Envoy reports for resources received over xDS.
    public static func render(_ snapshot: Snapshot) -> JSONValue {
        let version = JSONValue.string(snapshot.version)
        func rendered(_ resource: XDSResource) -> JSONValue {
            let body = ProtobufJSON.render(typeURL: resource.type.typeURL, bytes: resource.message.bytes) ?? .object([])
            guard case .object(let members) = body else { return body }
            return .object([("@type", .string(resource.type.typeURL))] + members)
        }
        let listeners = (snapshot.resources[.listener] ?? []).map { resource in
            JSONValue.object([
                ("name", .string(resource.name)),
                ("active_state", .object([("version_info", version), ("listener", rendered(resource))])),
            ])
        }
        let clusters = (snapshot.resources[.cluster] ?? []).map { resource in
            JSONValue.object([("version_info", version), ("cluster", rendered(resource))])
        }
        let routes = (snapshot.resources[.route] ?? []).map { resource in
            JSONValue.object([("version_info", version), ("route_config", rendered(resource))])
        }
        let endpoints = (snapshot.resources[.endpoint] ?? []).map { resource in
            JSONValue.object([("version_info", version), ("endpoint_config", rendered(resource))])
        }
        return .object([("configs", .array([
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.ClustersConfigDump")), ("version_info", version), ("dynamic_active_clusters", .array(clusters))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.EndpointsConfigDump")), ("dynamic_endpoint_configs", .array(endpoints))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.ListenersConfigDump")), ("version_info", version), ("dynamic_listeners", .array(listeners))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.RoutesConfigDump")), ("dynamic_route_configs", .array(routes))]),
        ]))])
    }
}
