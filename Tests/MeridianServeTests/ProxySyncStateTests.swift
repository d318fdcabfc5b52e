import Foundation
import MeridianServe
import Testing

/// SYNCED / STALE / NACKED / NOT_SENT from what was sent, ACKed and NACKed (istioctl
/// proxy-status, Envoy's CSDS), one row per case.
@Suite("Proxy sync states")
struct ProxySyncStateTests {
    typealias Status = ProxyStatusRegistry.TypeStatus
    static let at = Date(timeIntervalSince1970: 0)

    @Test("each combination of sent, ACKed and NACKed versions gives its state", arguments: [
        (nil, ProxySyncState.notSent, "no status: the proxy never asked"),
        (Status(), .notSent, "asked, nothing sent yet"),
        (Status(acknowledgedVersion: "v0"), .synced, "presented a version on reconnect, nothing sent: it holds what is served"),
        (Status(sentVersion: "v1"), .stale, "sent, not answered yet"),
        (Status(sentVersion: "v1", acknowledgedVersion: "v1"), .synced, "sent and ACKed"),
        (Status(sentVersion: "v2", acknowledgedVersion: "v1"), .stale, "a newer version is in flight"),
        (Status(sentVersion: "v2", acknowledgedVersion: "v1", lastRejection: .init(version: "v2", message: "bad", at: at)), .nacked, "the last sent version was rejected"),
        (Status(sentVersion: "v3", acknowledgedVersion: "v1", lastRejection: .init(version: "v2", message: "bad", at: at)), .stale, "an old NACK, a newer version in flight"),
        (Status(sentVersion: "v3", acknowledgedVersion: "v3", lastRejection: .init(version: "v2", message: "bad", at: at)), .synced, "an old NACK, then ACKed"),
    ] as [(Status?, ProxySyncState, String)])
    func state(_ status: Status?, _ expected: ProxySyncState, _ meaning: String) {
        #expect(ProxySyncState(status) == expected, "\(meaning)")
    }
}
