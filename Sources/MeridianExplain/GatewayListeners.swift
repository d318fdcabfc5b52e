import MeridianLoad
import MeridianTranslate

/// The Gateway listeners of one Gateway, its own and its accepted ListenerSets', with the
/// port Envoy listens on for each: which one serves a request is the Gateway API's listener
/// isolation, which the translator encodes in the route tables.
struct GatewayListeners {
    struct Entry {
        /// Unique on the Gateway: the name, or `namespace/listenerset/name` (as Envoy's chain names use).
        var qualifiedName: String
        var listener: MeridianLoad.Listener
        /// The port Envoy listens on (`--privileged-port-offset` applied).
        var envoyPort: Int
        var programmed: Bool
    }

    let entries: [Entry]

    init(gateway: Gateway, loaded: LoadedConfiguration, statuses: [ResourceStatus], options: TranslationOptions) {
        func envoyPort(_ port: Int) -> Int { port < 1024 ? port + options.privilegedPortOffset : port }
        func programmed(_ status: ResourceStatus?, _ name: String) -> Bool {
            status?.listeners.first { $0.name == name }?.conditions.contains { $0.type == .programmed && $0.status } ?? false
        }
        let gatewayStatus = statuses.first { $0.kind == "Gateway" && $0.qualifiedName == gateway.qualifiedName }
        var entries = gateway.spec.listeners.map {
            Entry(qualifiedName: $0.name, listener: $0, envoyPort: envoyPort($0.port), programmed: programmed(gatewayStatus, $0.name))
        }
        for set in loaded.listenerSets {
            let namespace = set.metadata.namespace ?? "default"
            guard set.spec.parentRef.kind == "Gateway",
                  "\(set.spec.parentRef.namespace ?? namespace)/\(set.spec.parentRef.name)" == gateway.qualifiedName
            else { continue }
            let status = statuses.first { $0.kind == "ListenerSet" && $0.qualifiedName == set.qualifiedName }
            guard status?.conditions.contains(where: { $0.type == .accepted && $0.status }) ?? false else { continue }
            entries += set.spec.listeners.map {
                Entry(qualifiedName: "\(set.qualifiedName)/\($0.name)", listener: $0, envoyPort: envoyPort($0.port), programmed: programmed(status, $0.name))
            }
        }
        self.entries = entries
    }

    /// The programmed listeners on an Envoy port.
    func on(port: Int) -> [Entry] {
        entries.filter { $0.envoyPort == port && $0.programmed }
    }

    /// The Gateway API's choice among listeners of one port: the most specific host name
    /// matching the host (exact before wildcard, longer before shorter, any host last).
    static func mostSpecific(_ entries: [Entry], host: String) -> Entry? {
        entries.filter { covers($0.listener.hostname, host) }.max { specificity($0.listener.hostname) < specificity($1.listener.hostname) }
    }

    /// Whether a listener host name (nil: any) matches `host`: `*.example.com` matches one or
    /// more labels before `.example.com`.
    static func covers(_ pattern: String?, _ host: String) -> Bool {
        guard let pattern = pattern?.lowercased() else { return true }
        if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst()) && host.count > pattern.count - 1 }
        return pattern == host
    }

    private static func specificity(_ hostname: String?) -> (Int, Int) {
        guard let hostname else { return (0, 0) }
        return (hostname.hasPrefix("*") ? 0 : hostname.count, hostname.count)
    }

    /// `file:line`.
    static func source(_ entry: Entry) -> String {
        "\(entry.listener.source.location.file):\(entry.listener.source.location.line)"
    }
}
