import EnvoyAPI

/// Where one proxy stands for one resource type, in the terms of `istioctl proxy-status` and
/// Envoy's CSDS (`ConfigStatus`): a pure function of what was sent, ACKed and NACKed.
public enum ProxySyncState: String, Sendable, Hashable, CaseIterable {
    /// The version last sent was ACKed; or, on connecting, the proxy presented what it holds
    /// and nothing was sent (the server found it current: a proxy that moved to another
    /// replica or reconnected after a restart).
    case synced = "SYNCED"
    /// A version was sent and neither ACKed nor NACKed yet (in flight, or the proxy is stuck).
    case stale = "STALE"
    /// The version last sent was rejected: the proxy runs its last ACKed version.
    case nacked = "NACKED"
    /// Nothing of this type was sent (the proxy has not asked, or there is nothing to send).
    case notSent = "NOT_SENT"

    /// The state for a proxy's status of one type.
    public init(_ status: ProxyStatusRegistry.TypeStatus?) {
        guard let status, let sent = status.sentVersion else {
            self = status?.acknowledgedVersion == nil ? .notSent : .synced
            return
        }
        if let rejection = status.lastRejection, rejection.version == sent {
            self = .nacked
        } else if status.acknowledgedVersion == sent {
            self = .synced
        } else {
            self = .stale
        }
    }
}
