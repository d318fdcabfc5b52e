import MeridianIR
import MeridianLoad
import TLSCertificates

/// The input indexed for lookups, shared read-only by every pass.
struct TranslationContext {
    let input: TranslationInput
    let options: TranslationOptions
    let classes: [String: GatewayClass]
    let gateways: [String: Gateway]
    let listenerSets: [String: ListenerSet]
    let routes: [String: HTTPRoute]
    let grpcRoutes: [String: GRPCRoute]
    let services: [String: Service]
    let backends: [String: KgatewayBackend]
    let slicesByService: [String: [EndpointSlice]]
    let namespaces: [String: Namespace]
    let secrets: [String: Secret]
    /// When certificates must be valid, in seconds since 1970.
    let certificateTime: Int64
    let configMaps: [String: ConfigMap]
    /// BackendTLSPolicies, resolved: which one each Service port uses.
    let backendTLS: BackendTLSPolicies

    init(input: TranslationInput, options: TranslationOptions) {
        self.input = input
        self.options = options
        classes = Dictionary(input.gatewayClasses.map { ($0.metadata.name, $0) }, uniquingKeysWith: { first, _ in first })
        gateways = Dictionary(input.gateways.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        listenerSets = Dictionary(input.listenerSets.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        routes = Dictionary(input.httpRoutes.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        grpcRoutes = Dictionary(input.grpcRoutes.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        services = Dictionary(input.services.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        backends = Dictionary(input.policies.backends.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        var slices: [String: [EndpointSlice]] = [:]
        for slice in input.endpointSlices {
            guard let service = slice.serviceName else { continue }
            slices["\(slice.metadata.namespace ?? "default")/\(service)", default: []].append(slice)
        }
        slicesByService = slices
        namespaces = Dictionary(input.namespaces.map { ($0.metadata.name, $0) }, uniquingKeysWith: { first, _ in first })
        secrets = Dictionary(input.secrets.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        certificateTime = options.certificateCheckTime ?? CertificateInspection.currentTime()
        configMaps = Dictionary(input.configMaps.map { ($0.qualifiedName, $0) }, uniquingKeysWith: { first, _ in first })
        backendTLS = BackendTLSPolicies(
            input.policies.backendTLSPolicies, services: services, configMaps: configMaps, secrets: secrets,
            systemTrustedCAFile: options.systemTrustedCAFile
        )
    }

    /// Whether Meridian serves Gateways of this class.
    func serves(_ gatewayClass: GatewayClass) -> Bool {
        options.controllerNames?.contains(gatewayClass.spec.controllerName) ?? true
    }

    /// The Gateway a route's parentRef leads to: the Gateway it names, or the one a ListenerSet it
    /// names adds listeners to.
    func gateway(of parentRef: ParentReference, namespace: String) -> Gateway? {
        guard parentRef.group == GatewayTranslator.gatewayGroup else { return nil }
        switch parentRef.kind {
        case Gateway.kind:
            return gateways["\(namespace)/\(parentRef.name)"]
        case ListenerSet.kind:
            guard let set = listenerSets["\(namespace)/\(parentRef.name)"], set.spec.parentRef.kind == Gateway.kind else { return nil }
            return gateways["\(set.spec.parentRef.namespace ?? namespace)/\(set.spec.parentRef.name)"]
        default:
            return nil
        }
    }

    /// Whether a ReferenceGrant in `namespace` lets `fromKind` objects in `fromNamespace` refer to `toKind` `name`.
    func referenceGranted(fromKind: String, fromNamespace: String, toGroup: String, toKind: String, name: String, in namespace: String) -> Bool {
        input.referenceGrants.contains { grant in
            (grant.metadata.namespace ?? "default") == namespace
                && grant.spec.from.contains { $0.group == GatewayTranslator.gatewayGroup && $0.kind == fromKind && $0.namespace == fromNamespace }
                && grant.spec.to.contains { $0.group == toGroup && $0.kind == toKind && ($0.name == nil || $0.name == name) }
        }
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each first occurrence only.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
