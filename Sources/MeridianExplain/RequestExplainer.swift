import MeridianIR
import MeridianLoad
import MeridianTranslate

/// Why a request cannot be explained at all (as opposed to an explanation whose answer is an
/// error, such as a 404): the command's usage or the configuration is at fault.
public enum ExplainError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No Gateway of that `namespace/name` was loaded.
    case gatewayNotFound(String, loaded: [String])
    /// The Gateway was loaded but Meridian serves nothing for it, with its status conditions.
    case gatewayNotServed(String, conditions: [String])
    /// The Gateway listens on several ports and neither `--port` nor the host chose one.
    case portAmbiguous(gateway: String, ports: [String])
    case invalidRequest(ExplainRequestError)

    public var description: String {
        switch self {
        case .gatewayNotFound(let name, let loaded):
            "no Gateway \(name) in the configuration" + (loaded.isEmpty ? " (it declares no Gateway)" : "; it declares \(loaded.joined(separator: ", "))")
        case .gatewayNotServed(let name, let conditions):
            "Gateway \(name) is not served" + (conditions.isEmpty ? "" : ": " + conditions.joined(separator: "; "))
        case .portAmbiguous(let gateway, let ports):
            "Gateway \(gateway) listens on ports \(ports.joined(separator: ", ")); say which with --port"
        case .invalidRequest(let error):
            error.description
        }
    }
}

/// Explains a request against a translated configuration: which listener, filter chain,
/// virtual host and route Envoy picks for it, where that route was written, and what the
/// client gets. Envoy's own matching rules are applied to the same IR the encoder sends, so
/// the answer is Envoy's.
public struct RequestExplainer {
    let loaded: LoadedConfiguration
    let translation: Translation
    let options: TranslationOptions
    let origins: RouteOrigins
    let backends: BackendDiagnosis
    let policyReferences: PolicyReferences

    /// `loaded` and `translation` must come from one build with `options` (as `serve` makes them).
    public init(loaded: LoadedConfiguration, translation: Translation, options: TranslationOptions) {
        self.loaded = loaded
        self.translation = translation
        self.options = options
        origins = RouteOrigins(loaded: loaded, statuses: translation.statuses)
        var input = TranslationInput(loaded)
        input.rejectedObjects = loaded.rejected
        backends = BackendDiagnosis(input, options: options)
        policyReferences = PolicyReferences(loaded: loaded, statuses: translation.statuses)
    }

    /// The explanation of `request` sent to the Gateway `gatewayName` (`namespace/name`).
    public func explain(_ request: ExplainRequest, gateway gatewayName: String) throws(ExplainError) -> Explanation {
        let request = try requestValidated(request)
        guard let gateway = loaded.gateways.first(where: { $0.qualifiedName == gatewayName }) else {
            throw .gatewayNotFound(gatewayName, loaded: loaded.gateways.map(\.qualifiedName))
        }
        guard let proxy = translation.proxies.first(where: { $0.group == gatewayName }) else {
            let status = translation.statuses.first { $0.kind == "Gateway" && $0.qualifiedName == gatewayName }
            throw .gatewayNotServed(gatewayName, conditions: (status?.conditions ?? []).filter { !$0.status }.map(\.description))
        }
        let listeners = GatewayListeners(gateway: gateway, loaded: loaded, statuses: translation.statuses, options: options)
        var explanation = Explanation(
            request: RequestSummary(method: request.method, scheme: "http", host: request.host, path: request.path, headers: request.headers, port: nil, serverName: nil),
            gateway: GatewaySummary(name: gatewayName, source: "\(gateway.location.file):\(gateway.location.line)"),
            listener: nil, virtualHost: nil, route: nil,
            outcome: Outcome(kind: .connectionRefused, status: nil, summary: "", reasons: [], served: false, location: nil),
            upstream: nil, backends: [], policies: [], candidates: [], notes: []
        )
        explanation.notes = ObjectNotes.notes(gateway: gatewayName, loaded: loaded, statuses: translation.statuses)

        guard let listener = try envoyListener(for: request, proxy: proxy, gateway: gatewayName, listeners: listeners, explanation: &explanation) else {
            return explanation
        }
        let scheme = listener.filterChains.contains { $0.tls != nil } ? "https" : "http"
        explanation.request.scheme = scheme
        explanation.request.port = listener.port
        let hostName = String(decoding: EnvoyHostSelection.asciiLowercased(EnvoyHostSelection.stripPort(request.host)), as: UTF8.self)

        // The filter chain: by SNI on an HTTPS port, else the listener's only chain.
        let chain: FilterChain
        var matchedServerName: String?
        if scheme == "https" {
            let serverName = request.serverName ?? hostName
            explanation.request.serverName = serverName
            guard let found = EnvoyHostSelection.filterChain(for: serverName.isEmpty ? nil : serverName, in: listener.filterChains) else {
                let names = listener.filterChains.flatMap(\.serverNames)
                explanation.outcome = Outcome(
                    kind: .connectionRefused, status: nil,
                    summary: "connection closed: no filter chain of \(listener.name) takes \(serverName.isEmpty ? "a connection without a server name" : "server name \(serverName)")",
                    reasons: ["the port's TLS filter chains take \(names.joined(separator: ", ")) and there is no default chain (a listener without a hostname); Envoy closes the connection during the handshake"],
                    served: false, location: nil
                )
                return explanation
            }
            chain = listener.filterChains[found.index]
            matchedServerName = found.matchedName
        } else if let only = listener.filterChains.first {
            chain = only
        } else {
            explanation.outcome = Outcome(kind: .connectionRefused, status: nil, summary: "connection closed: \(listener.name) has no filter chain", reasons: [], served: false, location: nil)
            return explanation
        }
        let gatewayListener = gatewayListenerSummary(listener: listener, chain: chain, scheme: scheme, host: hostName, listeners: listeners)
        explanation.listener = ListenerSummary(
            envoyListener: listener.name, address: listener.address, port: listener.port,
            gatewayPort: gatewayPort(listener.port, listeners: listeners), protocol: scheme.uppercased(),
            filterChain: scheme == "https" ? chain.name : nil, matchedServerName: matchedServerName,
            gatewayListener: gatewayListener, routeTable: chain.routeTableName
        )
        guard let table = proxy.routeTables.first(where: { $0.name == chain.routeTableName }) else {
            explanation.outcome = Outcome(kind: .notFound, status: 404, summary: "404: Envoy has no route table \(chain.routeTableName)", reasons: [], served: false, location: nil)
            return explanation
        }

        let routed = RoutedRequest(request, scheme: scheme)
        let outcomes = RouteOutcomes(explainer: self, gateway: gateway, proxy: proxy, listener: listener, request: routed)
        guard let selected = EnvoyHostSelection.virtualHost(for: request.host, in: table) else {
            NotFoundAnalysis.noVirtualHost(&explanation, table: table, proxy: proxy, request: routed, host: hostName, origins: origins)
            return explanation
        }
        let virtualHost = table.virtualHosts[selected.index]
        explanation.virtualHost = VirtualHostSummary(
            name: virtualHost.name, domain: selected.domain, matchKind: selected.kind,
            reason: Self.virtualHostReason(selected.kind, domain: selected.domain, host: hostName), routeCount: virtualHost.routes.count
        )
        guard let position = virtualHost.routes.firstIndex(where: { EnvoyRouteMatching.matches($0.match, routed) }) else {
            NotFoundAnalysis.noRoute(&explanation, virtualHost: virtualHost, table: table, request: routed, gatewayListener: gatewayListener, origins: origins)
            return explanation
        }
        let route = virtualHost.routes[position]
        let origin = origins.origin(of: route.name)
        explanation.route = RouteSummary(
            name: route.name, kind: origin?.kind, object: origin?.object, rule: origin?.ruleIndex, ruleName: origin?.ruleName,
            match: origin?.matchIndex, source: origin?.ruleLocation, position: position + 1,
            conditions: EnvoyRouteMatching.check(route.match, routed)
        )
        outcomes.apply(route, origin: origin, to: &explanation)
        return explanation
    }

    private func requestValidated(_ request: ExplainRequest) throws(ExplainError) -> ExplainRequest {
        do {
            return try request.validated()
        } catch {
            throw .invalidRequest(error)
        }
    }

    /// The Envoy listener the connection reaches: `--port` (Envoy's port or the Gateway's),
    /// else the port in the host, else the only listener. Nil, with the outcome set, when the
    /// Gateway does not listen there.
    private func envoyListener(
        for request: ExplainRequest,
        proxy: ProxyConfiguration,
        gateway: String,
        listeners: GatewayListeners,
        explanation: inout Explanation
    ) throws(ExplainError) -> MeridianIR.Listener? {
        let available = proxy.listeners.map { listener in
            let gatewayPort = gatewayPort(listener.port, listeners: listeners)
            return gatewayPort == listener.port ? "\(listener.port) (\(listener.name))" : "\(gatewayPort) (Envoy \(listener.port), \(listener.name))"
        }
        func listener(on port: Int) -> MeridianIR.Listener? {
            proxy.listeners.first { $0.port == port }
                ?? (port < 1024 ? proxy.listeners.first { $0.port == port + options.privilegedPortOffset } : nil)
        }
        var port = request.port
        if port == nil {
            let hostPort = request.host.lastIndex(of: ":").flatMap { Int(request.host[request.host.index(after: $0)...]) }
            if proxy.listeners.count == 1 {
                port = proxy.listeners[0].port
            } else if let hostPort, listener(on: hostPort) != nil {
                port = hostPort
            } else {
                throw .portAmbiguous(gateway: gateway, ports: available)
            }
        }
        guard let port, let found = listener(on: port) else {
            explanation.outcome = Outcome(
                kind: .connectionRefused, status: nil, summary: "connection refused: Gateway \(gateway) does not listen on port \(port.map(String.init) ?? "?")",
                reasons: ["its Envoy listeners: \(available.isEmpty ? "none" : available.joined(separator: ", "))"], served: false, location: nil
            )
            return nil
        }
        return found
    }

    /// The port as the Gateway writes it.
    private func gatewayPort(_ envoyPort: Int, listeners: GatewayListeners) -> Int {
        listeners.entries.first { $0.envoyPort == envoyPort }?.listener.port ?? envoyPort
    }

    /// The Gateway listener whose routes serve the host on this chain.
    private func gatewayListenerSummary(listener: MeridianIR.Listener, chain: FilterChain, scheme: String, host: String, listeners: GatewayListeners) -> GatewayListenerSummary? {
        let onPort = listeners.on(port: listener.port)
        if scheme == "https" {
            let qualifiedName = String(chain.name.dropFirst("https-\(listener.port)-".count))
            guard let entry = onPort.first(where: { $0.qualifiedName == qualifiedName }) else { return nil }
            let reason = chain.serverNames.isEmpty
                ? "its filter chain is the port's default, for server names no other chain takes"
                : "its filter chain takes server name \(chain.serverNames.joined(separator: ", "))"
            return GatewayListenerSummary(name: entry.qualifiedName, hostname: entry.listener.hostname, source: GatewayListeners.source(entry), reason: reason)
        }
        guard let entry = GatewayListeners.mostSpecific(onPort, host: host) else { return nil }
        let reason = onPort.count == 1
            ? "the only listener on the port"
            : "the most specific of the port's \(onPort.count) listeners whose hostname matches \(host) (listener isolation: only its routes serve the host)"
        return GatewayListenerSummary(name: entry.qualifiedName, hostname: entry.listener.hostname, source: GatewayListeners.source(entry), reason: reason)
    }

    static func virtualHostReason(_ kind: DomainMatchKind, domain: String, host: String) -> String {
        switch kind {
        case .exact: "the host is exactly \(domain)"
        case .suffixWildcard: "no domain is exactly \(host); \(domain) is the longest wildcard matching it"
        case .prefixWildcard: "no domain is exactly \(host) and no suffix wildcard matches it; \(domain) does"
        case .any: "no other domain matches \(host); * takes any host"
        case .onlyVirtualHost: "the route table's only virtual host takes every host"
        }
    }
}
