/// An explanation as text for people: one labelled block per step Envoy takes.
public enum ExplanationText {
    private static let labelWidth = 14

    public static func render(_ explanation: Explanation) -> String {
        var lines: [String] = []
        func add(_ label: String, _ text: String) {
            lines.append(label.padding(labelWidth) + text)
        }
        func more(_ text: String) { lines.append(String(repeating: " ", count: labelWidth) + text) }

        let request = explanation.request
        lines.append("\(request.method) \(request.scheme)://\(request.host)\(request.path)")
        for header in request.headers { lines.append("  \(header.name): \(header.value)") }
        lines.append("")
        add("Gateway", "\(explanation.gateway.name)  (\(explanation.gateway.source))")
        if let listener = explanation.listener {
            let port = listener.gatewayPort == listener.port ? "" : ", Gateway port \(listener.gatewayPort)"
            add("Listener", "\(listener.envoyListener) on \(listener.address):\(listener.port) (\(listener.protocol)\(port))")
            if let chain = listener.filterChain {
                more("filter chain \(chain): server name \(request.serverName.flatMap { $0.isEmpty ? nil : $0 } ?? "(none)")" + (listener.matchedServerName.map { " matches \($0)" } ?? " reaches the default chain"))
            }
            if let gatewayListener = listener.gatewayListener {
                let hostname = gatewayListener.hostname.map { ", hostname \($0)" } ?? ", any hostname"
                more("Gateway listener \(gatewayListener.name)\(hostname) (\(gatewayListener.source)): \(gatewayListener.reason)")
            }
            add("Route table", listener.routeTable)
        }
        if let virtualHost = explanation.virtualHost {
            add("Virtual host", "\(virtualHost.name): \(virtualHost.reason) (\(virtualHost.routeCount) route\(virtualHost.routeCount == 1 ? "" : "s"))")
        }
        if let route = explanation.route {
            add("Route", "#\(route.position) \(route.name)")
            if let kind = route.kind, let object = route.object, let rule = route.rule {
                let name = route.ruleName.map { " (\($0))" } ?? ""
                more("\(kind) \(object) rule \(rule)\(name), match \(route.match ?? 0) at \(route.source ?? "?")")
            }
            if route.position > 1 { more("the \(route.position - 1) route\(route.position == 2 ? "" : "s") before it did not match") }
            for check in route.conditions { more("✓ \(check.condition)") }
        }
        lines.append("")
        add("Outcome", explanation.outcome.summary)
        for reason in explanation.outcome.reasons { more(reason) }
        if let upstream = explanation.upstream, upstream.host != request.host || upstream.path != request.path {
            add("Upstream", "\(upstream.method) \(upstream.path)  Host: \(upstream.host)")
        }
        if !explanation.backends.isEmpty {
            for (index, backend) in explanation.backends.enumerated() {
                let share = RouteOutcomes.percent(backend.percent).padding(6)
                let label = index == 0 ? "Backends" : ""
                add(label, "\(share)\(backend.cluster)  weight \(backend.weight)")
                let indent = String(repeating: " ", count: 6)
                more(indent + backend.target + (backend.source.map { " (\($0))" } ?? ""))
                if let status = backend.errorStatus { more(indent + "answers \(status): \(backend.reason ?? "")") }
                if !backend.endpoints.isEmpty {
                    let endpoints = backend.endpoints.map { "\($0.address):\($0.port)\($0.ready ? "" : " (not ready)")\($0.priority > 0 ? " (priority \($0.priority))" : "")" }
                    more(indent + "\(backend.discovery ?? "endpoints"): " + endpoints.joined(separator: ", "))
                }
                for change in backend.changes { more(indent + change) }
                for setting in backend.settings { more(indent + setting) }
            }
        }
        if !explanation.policies.isEmpty {
            for (index, policy) in explanation.policies.enumerated() {
                add(index == 0 ? "Policies" : "", "\(policy.name): \(policy.value)")
            }
        }
        if !explanation.candidates.isEmpty {
            lines.append("")
            lines.append("Nearest routes (why each did not take the request):")
            for candidate in explanation.candidates {
                lines.append("  \(candidate.route)" + (candidate.source.map { "  (\($0))" } ?? ""))
                if candidate.virtualHost != nil {
                    lines.append("      \(candidate.reason)")
                    continue
                }
                for check in candidate.conditions {
                    lines.append("      \(check.matched ? "✓" : "✗") \(check.condition)" + (check.found.map { ": \($0)" } ?? ""))
                }
            }
        }
        if !explanation.notes.isEmpty {
            lines.append("")
            for (index, note) in explanation.notes.enumerated() { add(index == 0 ? "Notes" : "", note) }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension String {
    /// The string followed by spaces up to `width` characters (at least one space).
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
