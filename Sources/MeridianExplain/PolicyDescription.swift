import MeridianIR

/// The settings of an Envoy route and of a cluster, in words, one line each: what a request
/// on the route gets besides its backend.
enum PolicyDescription {
    /// Everything the route sets, for a request whose path is `path`.
    static func lines(_ route: Route, listenerRateLimit: LocalRateLimit?, request: RoutedRequest) -> [PolicyLine] {
        var lines: [PolicyLine] = []
        func add(_ name: String, _ value: String) { lines.append(PolicyLine(name: name, value: value)) }
        if case .forward = route.action {
            if route.honorsGRPCTimeout {
                add("timeout", "none of its own: the call ends at its grpc-timeout deadline")
            } else if let timeout = route.timeout {
                add("timeout", timeout == .zero ? "none (disabled)" : format(timeout))
            } else {
                add("timeout", "Envoy's default, 15s")
            }
            if let idle = route.idleTimeout { add("idle timeout", idle == .zero ? "none (disabled)" : format(idle)) }
            if let retry = route.retry { add("retry", describe(retry)) }
        }
        for change in headerChanges(route.requestHeaders) { add("request headers", change) }
        for change in headerChanges(route.responseHeaders) { add("response headers", change) }
        if case .forward = route.action, let rewrite = route.rewrite {
            if let host = rewrite.hostname { add("rewrite", "Host becomes \(host)") }
            if let path = rewrite.path {
                add("rewrite", "path \(request.path) becomes \(EnvoyRewrites.path(request.path, rewrite: path, match: route.match.path))")
            }
        }
        for mirror in route.mirrors {
            add("mirror", "\(percent(mirror.partsPerMillion)) of requests copied to \(mirror.clusterName); its answers are dropped")
        }
        if let limit = route.rateLimit {
            add("rate limit", describe(limit) + " (this route's own buckets)")
        } else if let limit = listenerRateLimit {
            add("rate limit", describe(limit) + " (shared by the listener's routes)")
        }
        if let session = route.sessionPersistence {
            switch session.carrier {
            case .cookie(let name, let ttl, let path):
                add("session persistence", "cookie \(name) (path \(path)\(ttl.map { ", lifetime \(format($0))" } ?? ", a session cookie"))")
            case .header(let name):
                add("session persistence", "header \(name)")
            }
        }
        for policy in route.hashPolicies {
            let source = switch policy.source {
            case .header(let name): "header \(name)"
            case .cookie(let name, let ttl, _): "cookie \(name)\(ttl.map { " (set for \(format($0)) when missing)" } ?? "")"
            case .sourceIP: "the client's IP address"
            }
            add("hash", source + (policy.terminal ? " (terminal)" : ""))
        }
        if let cors = route.cors {
            let origins = cors.allowOrigins.map { EnvoyRouteMatching.describe($0) }.joined(separator: ", ")
            add("cors", "origins \(origins); methods \(cors.allowMethods.joined(separator: ", ")); credentials \(cors.allowCredentials ? "allowed" : "not allowed")")
        }
        return lines
    }

    /// `set x-a: 1` / `add x-a: 1` / `remove x-a`.
    static func headerChanges(_ changes: HeaderModifications) -> [String] {
        changes.overwrite.map { "set \($0.name): \($0.value)" }
            + changes.append.map { "add \($0.name): \($0.value)" }
            + changes.remove.map { "remove \($0)" }
    }

    /// A cluster's own settings, where they differ from Envoy's defaults.
    static func clusterLines(_ cluster: Cluster) -> [String] {
        var lines: [String] = []
        if cluster.connectTimeout != .seconds(5) { lines.append("connect timeout \(format(cluster.connectTimeout))") }
        switch cluster.loadBalancer {
        case .roundRobin: break
        case .leastRequest(let choices): lines.append("least request load balancing\(choices.map { " (\($0) choices)" } ?? "")")
        case .random: lines.append("random load balancing")
        case .ringHash: lines.append("ring hash load balancing")
        case .maglev: lines.append("Maglev load balancing")
        }
        if let breakers = cluster.circuitBreakers {
            let parts = [
                breakers.maxConnections.map { "\($0) connections" }, breakers.maxPendingRequests.map { "\($0) pending" },
                breakers.maxRequests.map { "\($0) requests" }, breakers.maxRetries.map { "\($0) retries" },
            ].compactMap { $0 }
            lines.append("circuit breakers: at most \(parts.joined(separator: ", ")) at once; beyond, 503")
        }
        if let outlier = cluster.outlierDetection {
            var parts: [String] = []
            if let errors = outlier.consecutive5xx { parts.append("after \(errors) consecutive 5xx") }
            if let time = outlier.baseEjectionTime { parts.append("for \(format(time))") }
            if let percent = outlier.maxEjectionPercent { parts.append("at most \(percent)% of endpoints") }
            lines.append("outlier detection: endpoints ejected \(parts.joined(separator: ", "))")
        }
        for check in cluster.healthChecks {
            let probe = switch check.probe {
            case .http(let path, _, _): "HTTP GET \(path)"
            case .grpc(let service, _): "gRPC health\(service.map { " of \($0)" } ?? "")"
            }
            lines.append("health check: \(probe) every \(format(check.interval))")
        }
        if cluster.upstreamHTTP?.http2 != nil { lines.append("HTTP/2 to the endpoints") }
        if let tls = cluster.upstreamTLS {
            lines.append("TLS to the endpoints (SNI \(tls.serverName))\(tls.clientCertificateSecret.map { ", presenting client certificate \($0)" } ?? "")")
        }
        return lines
    }

    private static func describe(_ retry: RetryPolicy) -> String {
        var text = "\(retry.numRetries) \(retry.numRetries == 1 ? "retry" : "retries") on \(retry.retryOn.joined(separator: ","))"
        if !retry.retriableStatusCodes.isEmpty { text += " (statuses \(retry.retriableStatusCodes.map(String.init).joined(separator: ", ")))" }
        if let perTry = retry.perTryTimeout { text += "; \(format(perTry)) per try" }
        if let base = retry.backOffBase { text += "; back-off from \(format(base))\(retry.backOffMax.map { " up to \(format($0))" } ?? "")" }
        return text
    }

    private static func describe(_ limit: LocalRateLimit) -> String {
        var parts: [String] = []
        if let bucket = limit.tokenBucket { parts.append(describe(bucket)) }
        for descriptor in limit.descriptors {
            parts.append("per \(descriptor.headers.joined(separator: " and ")): \(describe(descriptor.tokenBucket))")
        }
        return parts.joined(separator: "; ") + "; over it, 429"
    }

    private static func describe(_ bucket: TokenBucket) -> String {
        "\(bucket.maxTokens) requests, \(bucket.tokensPerFill) more every \(format(bucket.fillInterval))"
    }

    private static func percent(_ partsPerMillion: UInt32) -> String {
        partsPerMillion % 10_000 == 0 ? "\(partsPerMillion / 10_000)%" : "\(Double(partsPerMillion) / 10_000)%"
    }

    /// `30s`, `250ms`, `2m`, `1h30m`.
    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        let whole = milliseconds / 1000
        if whole >= 3600, whole % 60 == 0 {
            return "\(whole / 3600)h" + (whole % 3600 == 0 ? "" : "\((whole % 3600) / 60)m")
        }
        if whole >= 60, whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
