import MeridianIR
import MeridianLoad

/// What a matched route answers: forwarded to backends by weight, a redirect, a direct
/// response, or an error status with the reason the configuration gives for it.
struct RouteOutcomes {
    let explainer: RequestExplainer
    let gateway: Gateway
    let proxy: ProxyConfiguration
    let listener: MeridianIR.Listener
    let request: RoutedRequest

    func apply(_ route: Route, origin: RouteOrigin?, to explanation: inout Explanation) {
        explanation.policies = PolicyDescription.lines(route, listenerRateLimit: listener.localRateLimit, request: request)
        switch route.action {
        case .forward(let weighted):
            forward(weighted, route: route, origin: origin, to: &explanation)
        case .redirect(let redirect):
            let location = EnvoyRewrites.location(redirect, match: route.match.path, request: request)
            explanation.outcome = Outcome(
                kind: .redirect, status: redirect.statusCode, summary: "\(redirect.statusCode) redirect to \(location)",
                reasons: ["the rule's RequestRedirect filter"], served: true, location: location
            )
        case .directResponse(let status, let body):
            directResponse(status: status, body: body, route: route, origin: origin, to: &explanation)
        }
        explanation.policies += policyLines(origin, explanation)
    }

    /// The policy objects naming the Gateway, its listener, the route, the rule or a backend.
    private func policyLines(_ origin: RouteOrigin?, _ explanation: Explanation) -> [PolicyLine] {
        let extensionRefs = origin?.filters.compactMap { filter -> LocalObjectReference? in
            if case .extensionRef(let reference) = filter { return reference }
            return nil
        } ?? []
        let path = PolicyReferences.Path(
            gateway: gateway, gatewayListener: explanation.listener?.gatewayListener?.name,
            route: origin.map { ($0.kind, $0.namespace, $0.name, $0.labels, $0.ruleName) },
            extensionRefs: extensionRefs,
            services: explanation.backends.compactMap { BackendExplanation.service(ofCluster: $0.cluster) }.map { ($0.namespace, $0.name) }
        )
        return explainer.policyReferences.lines(for: path)
    }

    private func forward(_ weighted: [WeightedBackend], route: Route, origin: RouteOrigin?, to explanation: inout Explanation) {
        let clusters = Dictionary(proxy.clusters.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let backendExplanation = BackendExplanation(diagnosis: explainer.backends, clusters: clusters, loaded: explainer.loaded)
        let (summaries, notes) = backendExplanation.summaries(weighted, route: route, origin: origin)
        explanation.backends = summaries
        explanation.notes += notes
        let failing = summaries.filter { $0.errorStatus != nil }
        let shares = summaries.map { summary in
            let share = "\(Self.percent(summary.percent)) \(summary.errorStatus.map { "answer \($0)" } ?? "to \(summary.target)")"
            return share
        }
        let reasons = failing.compactMap { summary in summary.reason.map { "\(summary.errorStatus ?? 0) for \(Self.percent(summary.percent)): \($0)" } }
        guard failing.count == summaries.count, let status = failing.first?.errorStatus else {
            explanation.upstream = UpstreamSummary(
                method: request.method,
                host: route.rewrite?.hostname ?? request.authority,
                path: route.rewrite?.path.map { EnvoyRewrites.path(request.path, rewrite: $0, match: route.match.path) } ?? request.path,
                setHeaders: (route.requestHeaders.overwrite + route.requestHeaders.append).map { HeaderField(name: $0.name, value: $0.value) },
                removedHeaders: route.requestHeaders.remove
            )
            explanation.outcome = Outcome(
                kind: .forwarded, status: nil,
                summary: "forwarded: " + shares.joined(separator: ", "),
                reasons: reasons, served: true, location: nil
            )
            return
        }
        // Every share fails: the request gets an error whatever the random pick.
        let noEndpoints = failing.allSatisfy { $0.errorStatus == 503 && $0.cluster != BackendExplanation.unresolvedCluster }
        explanation.outcome = Outcome(
            kind: noEndpoints ? .noEndpoints : .backendError,
            status: failing.allSatisfy { $0.errorStatus == status } ? status : nil,
            summary: failing.count == 1 ? "\(status): \(failing[0].reason ?? "no usable backend")" : "an error for every backend: " + shares.joined(separator: ", "),
            reasons: reasons, served: false, location: nil
        )
    }

    /// A fixed answer: a 421 of listener isolation, a DirectResponse policy, or the error the
    /// Gateway API gives a rule with no usable backend (500; 503 for gRPC).
    private func directResponse(status: Int, body: String, route: Route, origin: RouteOrigin?, to explanation: inout Explanation) {
        if route.name == "misdirected-request" {
            explanation.outcome = Outcome(
                kind: .misdirected, status: status, summary: "421 Misdirected Request",
                reasons: [misdirectedReason(explanation)], served: false, location: nil
            )
            return
        }
        let bodyText = body.isEmpty ? "" : " with body \(EnvoyRouteMatching.quoted(body))"
        guard let origin else {
            explanation.outcome = Outcome(kind: .directResponse, status: status, summary: "\(status) from Envoy\(bodyText)", reasons: [], served: status < 400, location: nil)
            return
        }
        if let policy = directResponsePolicy(origin) {
            explanation.outcome = Outcome(
                kind: .directResponse, status: status, summary: "\(status) from Envoy\(bodyText)",
                reasons: ["the rule's ExtensionRef to DirectResponse \(policy)"], served: status < 400, location: nil
            )
            return
        }
        explanation.outcome = Outcome(
            kind: .backendError, status: status, summary: "\(status): the rule has no backend it can send to",
            reasons: backendErrorReasons(origin, status: status), served: false, location: nil
        )
    }

    /// `namespace/name` of a DirectResponse the rule names in an ExtensionRef filter, when it is in effect.
    private func directResponsePolicy(_ origin: RouteOrigin) -> String? {
        for filter in origin.filters {
            guard case .extensionRef(let reference) = filter, reference.kind == "DirectResponse" else { continue }
            let name = "\(origin.namespace)/\(reference.name)"
            if explainer.loaded.policies.directResponses.contains(where: { $0.qualifiedName == name }),
               !origin.problems.contains(where: { $0.contains("filters[") }) {
                return name
            }
        }
        return nil
    }

    /// Why a rule answers its error status: refused filters, no backendRefs, every weight 0,
    /// or every backendRef unresolvable, in the translator's own words.
    private func backendErrorReasons(_ origin: RouteOrigin, status: Int) -> [String] {
        let refusedFilters = origin.problems.filter { $0.contains(".filters[") && !$0.contains(".backendRefs[") }
        if !refusedFilters.isEmpty { return refusedFilters }
        let kindRule = origin.kind == "GRPCRoute" ? "a GRPCRoute rule without a usable backend answers 503 (UNAVAILABLE)" : "an HTTPRoute rule without a usable backend answers 500"
        if origin.backendRefs.isEmpty { return ["the rule (\(origin.ruleLocation)) has no backendRefs; \(kindRule)"] }
        if origin.backendRefs.allSatisfy({ $0.weight == 0 }) { return ["every backendRef of the rule has weight 0; \(kindRule)"] }
        var reasons: [String] = []
        for reference in origin.backendRefs where reference.weight > 0 {
            let at = RouteOrigins.describe(reference.source.location)
            switch explainer.backends.verdict(on: reference.reference, routeKind: origin.kind, routeNamespace: origin.namespace) {
            case .unresolved(let reason, let message)?:
                reasons.append("\(reason.rawValue): \(message) (\(at))")
            case .resolved?, nil:
                reasons += origin.problems.filter { $0.contains(".backendRefs[") }
            }
        }
        return reasons.uniqued() + [kindRule]
    }

    /// The listener the host belongs to, against the chain the server name reached.
    private func misdirectedReason(_ explanation: Explanation) -> String {
        let host = String(decoding: EnvoyHostSelection.asciiLowercased(EnvoyHostSelection.stripPort(request.authority)), as: UTF8.self)
        let chain = explanation.listener?.gatewayListener.map { "listener \($0.name)" } ?? "the filter chain"
        let serverName = explanation.request.serverName ?? host
        return "the connection's server name \(serverName) reached \(chain), but the host \(host) is not one it serves: it belongs to another listener of the port, or to none (listener isolation); Envoy answers 421 so the client retries on a new connection"
    }

    static func percent(_ value: Double) -> String {
        let tenths = (value * 10).rounded() / 10
        return tenths == tenths.rounded() ? "\(Int(tenths))%" : "\(tenths)%"
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each first occurrence only.
    func uniqued() -> [Element] {
        var seen: Set<Element> = []
        return filter { seen.insert($0).inserted }
    }
}
