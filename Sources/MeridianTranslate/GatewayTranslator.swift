import MeridianIR
import MeridianLoad

/// How Gateway API resources become proxy configurations.
public struct TranslationOptions: Sendable, Hashable {
    /// The DNS suffix of Services that have no EndpointSlices: `<name>.<namespace>.svc.<domain>`.
    public var clusterDomain = "cluster.local"
    /// The address Envoy listeners bind.
    public var listenerAddress = "0.0.0.0"
    /// Added to every Gateway listener port below 1024, so an unprivileged Envoy can bind it (80 → 8080 with 8000).
    public var privilegedPortOffset = 0
    /// GatewayClass controller names Meridian serves; nil serves every GatewayClass.
    public var controllerNames: Set<String>?
    public var connectTimeout: Duration = .seconds(5)
    /// When listener certificates must be valid, in seconds since 1970; nil is the time of translation.
    /// (The only input that is not in the YAML: set it for a reproducible translation.)
    public var certificateCheckTime: Int64?
    /// The PEM bundle of the proxy machine's CAs, trusted for a BackendTLSPolicy's
    /// `wellKnownCACertificates: System` (Debian's and Ubuntu's `ca-certificates` path).
    public var systemTrustedCAFile = "/etc/ssl/certs/ca-certificates.crt"
    /// Split a plain HTTP port's route table into one table per host name (Envoy's scoped
    /// routes), where every route on the port names exact host names: see `RouteTable.splitByHost`.
    public var splitsRouteTablesByHost = false

    public init() {}
}

/// What the translator reads.
public struct TranslationInput: Sendable {
    public var gatewayClasses: [GatewayClass]
    public var gateways: [Gateway]
    /// ListenerSets: listeners added to Gateways that allow them.
    public var listenerSets: [ListenerSet] = []
    public var httpRoutes: [HTTPRoute]
    public var grpcRoutes: [GRPCRoute]
    public var services: [Service]
    public var endpointSlices: [EndpointSlice]
    public var referenceGrants: [ReferenceGrant]
    public var namespaces: [Namespace] = []
    /// Secrets; `kubernetes.io/tls` ones are the certificates of HTTPS listeners.
    public var secrets: [Secret]
    /// ConfigMaps: the CA certificates (`ca.crt`) BackendTLSPolicies name.
    public var configMaps: [ConfigMap] = []
    /// Policies: the seed documents' kinds, kgateway's, the Gateway API's BackendLBPolicy.
    public var policies = LoadedPolicies()
    /// Policy documents set aside for their own errors: they get `Accepted=False Invalid`.
    public var rejectedObjects: [RejectedObject] = []

    public init(
        gatewayClasses: [GatewayClass] = [],
        gateways: [Gateway] = [],
        httpRoutes: [HTTPRoute] = [],
        grpcRoutes: [GRPCRoute] = [],
        services: [Service] = [],
        endpointSlices: [EndpointSlice] = [],
        referenceGrants: [ReferenceGrant] = [],
        secrets: [Secret] = []
    ) {
        self.gatewayClasses = gatewayClasses
        self.gateways = gateways
        self.httpRoutes = httpRoutes
        self.grpcRoutes = grpcRoutes
        self.services = services
        self.endpointSlices = endpointSlices
        self.referenceGrants = referenceGrants
        self.secrets = secrets
    }
}

extension TranslationInput {
    /// Everything the loader produced that the translator reads.
    public init(_ loaded: LoadedConfiguration) {
        self.init(
            gatewayClasses: loaded.gatewayClasses,
            gateways: loaded.gateways,
            httpRoutes: loaded.httpRoutes,
            grpcRoutes: loaded.grpcRoutes,
            services: loaded.services,
            endpointSlices: loaded.endpointSlices,
            referenceGrants: loaded.referenceGrants,
            secrets: loaded.secrets
        )
        policies = loaded.policies
        namespaces = loaded.namespaces
        listenerSets = loaded.listenerSets
        configMaps = loaded.configMaps
    }
}

/// What the translator produces: one configuration per Gateway, and a status for every input.
public struct Translation: Sendable {
    /// One per accepted Gateway, keyed by its proxy group `<namespace>/<name>`, sorted.
    public var proxies: [ProxyConfiguration]
    /// GatewayClasses, Gateways and ListenerSets, each sorted by name; then HTTPRoutes and GRPCRoutes, oldest
    /// first (as they attach), then by namespace/name; then policies.
    public var statuses: [ResourceStatus]
}

/// Translates Gateway API resources into proxy configurations. Pure and deterministic.
public enum GatewayTranslator {
    public static let gatewayGroup = "gateway.networking.k8s.io"

    /// Runs the passes in order: listeners; policies (targets); rules and backends;
    /// attachment with policy merging; assembly; status.
    /// With `memo`, routes unchanged since the memo's last build, while nothing but routes
    /// changed, are not compiled and placed again (see `TranslationMemo`): the result is the same.
    public static func translate(_ input: TranslationInput, options: TranslationOptions = TranslationOptions(), memo: TranslationMemo? = nil) -> Translation {
        let context = TranslationContext(input: input, options: options)
        var policies = PolicyAttachment(context: context, descriptions: PolicyPlugins.describeAll(context))
        var listeners = ListenerPlanning(context, policies: policies)
        var placement = RoutePlacement(context: context)
        let memoContext = memo.map { _ in TranslationMemo.Context(input, options: options) }
        var hosts: ListenerIsolation.HostMemo?
        if let memo, let memoContext {
            let taken = memo.take(for: memoContext)
            placement.reuse(taken.entries)
            hosts = ListenerIsolation.HostMemo(previous: taken.hosts)
        }
        // Oldest first: where an HTTPRoute and a GRPCRoute would share a host name on a
        // listener, the one attached first keeps it.
        // Two arrays, not one of (route, key) pairs: reading a pair copies it whole.
        let routes = input.httpRoutes.map(RouteSource.init) + input.grpcRoutes.map(RouteSource.init)
        let keys = memo == nil ? [] : input.httpRoutes.map(TranslationMemo.RouteKey.http) + input.grpcRoutes.map(TranslationMemo.RouteKey.grpc)
        // Sorted by index: moving thousands of routes around costs more than the comparisons.
        let ages = routes.map(\.age)
        let order = routes.indices.sorted { ages[$0] < ages[$1] || (!(ages[$1] < ages[$0]) && $0 < $1) }
        placement.recorded?.reserveCapacity(routes.count)
        let routeStatuses = order.map { index in
            placement.translate(routes[index], key: keys.isEmpty ? nil : keys[index], listeners: &listeners, policies: &policies)
        }
        placement.finishChangedHostnames()
        hosts?.changedHostnames = placement.changedHostnames

        var proxies: [ProxyConfiguration] = []
        var gatewayStatuses: [ResourceStatus] = []
        for gateway in input.gateways.sorted(by: { $0.qualifiedName < $1.qualifiedName }) {
            var status = listeners.finishedStatus(of: gateway)
            // An accepted Gateway's own references: the backend client certificate, and its listeners'.
            let clientCertificate = listeners.plans[gateway.qualifiedName] == nil ? .none : BackendClientCertificate.resolve(gateway, context: context)
            if listeners.plans[gateway.qualifiedName] != nil {
                status.conditions.append(BackendClientCertificate.condition(clientCertificate, listeners: status.listeners))
            }
            gatewayStatuses.append(status)
            guard let planned = listeners.plans[gateway.qualifiedName], planned.contains(where: \.programmable) else { continue }
            var configuration = placement.assembly.configuration(
                for: gateway, listeners: planned.filter(\.programmable), listenerAddress: options.listenerAddress,
                splitsByHost: options.splitsRouteTablesByHost, hosts: &hosts
            )
            BackendClientCertificate.apply(clientCertificate, to: &configuration)
            proxies.append(configuration)
        }
        if let memo, let memoContext, let recorded = placement.recorded {
            memo.store(recorded, hosts: hosts, context: memoContext, hits: placement.memoHits)
        }
        let listenerSetStatuses = input.listenerSets.sorted { $0.qualifiedName < $1.qualifiedName }.map(listeners.finishedStatus(of:))
        let policyStatuses = policies.statuses() + context.backendTLS.statuses(context)
        let translation = Translation(proxies: proxies, statuses: listeners.classStatuses + gatewayStatuses + listenerSetStatuses + routeStatuses + policyStatuses)
        ReleaseElsewhere.release((placement, hosts, listeners, policies))
        return translation
    }
}
