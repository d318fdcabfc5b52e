import EnvoyAPI

/// A snapshot in the shape of Envoy's admin `/config_dump`, so a translation
/// can be compared with what a proxy reports.
public enum ConfigDump {
    /// The dynamic sections Envoy reports for resources received over xDS. Private keys
    /// are redacted, as Envoy redacts them.
    public static func render(_ snapshot: Snapshot) -> JSONValue {
        let version = JSONValue.string(snapshot.version)
        let rendered = typed
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
        // Scopes are grouped by the scoped routes (a listener's route table split by host) they
        // belong to: their name up to the first "/", as Envoy groups them by `ScopedRoutes.name`.
        let scopes = Dictionary(grouping: snapshot.resources[.scopedRoute] ?? []) { String($0.name.prefix { $0 != "/" }) }
            .sorted { $0.key < $1.key }
            .map { name, resources in
                JSONValue.object([
                    ("name", .string(name)),
                    ("scoped_route_configs", .array(resources.map(rendered))),
                    ("version_info", version),
                ])
            }
        let secrets = (snapshot.resources[.secret] ?? []).map { resource in
            JSONValue.object([("name", .string(resource.name)), ("version_info", version), ("secret", redacted(rendered(resource)))])
        }
        return .object([("configs", .array([
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.ClustersConfigDump")), ("version_info", version), ("dynamic_active_clusters", .array(clusters))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.EndpointsConfigDump")), ("dynamic_endpoint_configs", .array(endpoints))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.ListenersConfigDump")), ("version_info", version), ("dynamic_listeners", .array(listeners))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump")), ("dynamic_scoped_route_configs", .array(scopes))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.RoutesConfigDump")), ("dynamic_route_configs", .array(routes))]),
            .object([("@type", .string("type.googleapis.com/envoy.admin.v3.SecretsConfigDump")), ("dynamic_active_secrets", .array(secrets))]),
        ]))])
    }

    /// One resource as its config dump section shows it (`@type` first; a Secret's private
    /// key redacted), for comparing two versions resource by resource.
    public static func render(resource: XDSResource) -> JSONValue {
        resource.type == .secret ? redacted(typed(resource)) : typed(resource)
    }

    /// A resource's JSON with its `@type` first, as Envoy's dump shows it.
    private static func typed(_ resource: XDSResource) -> JSONValue {
        let body = ProtobufJSON.render(typeURL: resource.type.typeURL, bytes: resource.message.bytes) ?? .object([])
        guard case .object(let members) = body else { return body }
        return .object([("@type", .string(resource.type.typeURL))] + members)
    }

    /// The `@type` of the config dump section that holds resources of `type`.
    public static func sectionType(of type: ResourceType) -> String {
        switch type {
        case .cluster: "type.googleapis.com/envoy.admin.v3.ClustersConfigDump"
        case .endpoint: "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump"
        case .listener: "type.googleapis.com/envoy.admin.v3.ListenersConfigDump"
        case .route: "type.googleapis.com/envoy.admin.v3.RoutesConfigDump"
        case .scopedRoute: "type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump"
        case .secret: "type.googleapis.com/envoy.admin.v3.SecretsConfigDump"
        }
    }

    /// A rendered dump with only the section of `type`.
    public static func filtered(_ dump: JSONValue, to type: ResourceType) -> JSONValue {
        guard case .array(let configs)? = dump["configs"] else { return dump }
        return .object([("configs", .array(configs.filter { $0["@type"]?.string == sectionType(of: type) }))])
    }

    /// A rendered `Secret` with `tls_certificate.private_key` replaced by `[redacted]`.
    static func redacted(_ secret: JSONValue) -> JSONValue {
        guard case .object(let members) = secret else { return secret }
        return .object(members.map { key, value in
            guard key == "tls_certificate", case .object(let certificate) = value else { return (key, value) }
            return (key, .object(certificate.map { field, content in
                field == "private_key" ? (field, .object([("inline_string", .string("[redacted]"))])) : (field, content)
            }))
        })
    }
}
