import EnvoyAPI
import GRPCCoreTransport
import Synchronization

/// Encoded response bodies, each encoded once and shared by every stream that sends it.
///
/// A body is the whole `DiscoveryResponse` but its nonce: the only per-stream field. Each
/// stream sends the shared body and appends its nonce as one more protobuf field (fields may
/// come in any order), so a route table pushed to 5,000 proxies is encoded once and held in
/// memory once (see `SharedMessage`).
///
/// A response's content is fixed by its type, snapshot version and names (every name for a
/// wildcard), so that triple is the key. One body is kept per type and set of names (the newest
/// version asked for), and bodies of versions no longer served are dropped, so the cache holds
/// at most one body per distinct response of the current snapshots.
final class ResponseBodyCache: Sendable {
    /// What a response's content depends on, besides its version.
    private enum Key: Hashable {
        /// State of the world: a type and set of names (nil for a wildcard subscription).
        /// One body is kept per slot, the newest version asked for.
        case slot(ResourceType, names: [String]?)
        /// Delta: the difference itself (each resource's name and version, the names removed),
        /// so proxies that held the same thing share it.
        case difference(ResourceType, version: String, resources: [String], removed: [String])
    }

    private struct Entry {
        var version: String
        var body: SharedMessage
    }

    private let entries = Mutex<[Key: Entry]>([:])
    /// Bodies kept; past it, those of versions no longer served are dropped first.
    static let limit = 1_024

    /// The encoded body of `response` (without its nonce); nil if gRPC core cannot allocate it.
    func body(for response: DiscoveryStreamState.Response, liveVersions: () -> Set<String>) -> SharedMessage? {
        // Built only when not kept already: a hit costs the lookup alone.
        let encode = {
            var message = response.discoveryResponse
            message.nonce = ""
            return message.encoded()
        }
        // Responses that make-before-break holds back in part are rare and per proxy: not kept.
        guard let sharing = response.sharing else { return SharedMessage(encode()) }
        let key = Key.slot(response.type, names: sharing.wildcard ? nil : response.resources.map(\.name))
        return body(key, version: response.version, liveVersions: liveVersions, encode: encode)
    }

    /// The encoded body of a delta response (without its nonce), shared by every stream that
    /// sends the same difference (a fleet at one version gets one push, encoded once).
    func body(for response: DeltaDiscoveryStreamState.Response, liveVersions: () -> Set<String>) -> SharedMessage? {
        let key = Key.difference(
            response.type, version: response.version,
            resources: response.resources.flatMap { [$0.resource.name, $0.version] }, removed: response.removed
        )
        return body(key, version: response.version, liveVersions: liveVersions) {
            var message = response.deltaDiscoveryResponse
            message.nonce = ""
            return message.encoded()
        }
    }

    /// The body kept for `key` at `version`, else `encode`d and kept. Encoding happens under
    /// the lock: a stream asking for a body being encoded waits for it rather than encoding it again.
    private func body(_ key: Key, version: String, liveVersions: () -> Set<String>, encode: () -> [UInt8]) -> SharedMessage? {
        entries.withLock { entries -> SharedMessage? in
            if let entry = entries[key], entry.version == version { return entry.body }
            guard let body = SharedMessage(encode()) else { return nil }
            if entries[key] == nil, entries.count >= Self.limit {
                let live = liveVersions()
                entries = entries.filter { live.contains($0.value.version) }
                if entries.count >= Self.limit, let any = entries.keys.first { entries[any] = nil }
            }
            entries[key] = Entry(version: version, body: body)
            return body
        }
    }

    /// How many bodies are held (for tests and metrics).
    var count: Int { entries.withLock { $0.count } }

    /// The nonce as a protobuf field of `DiscoveryResponse` and `DeltaDiscoveryResponse` (field
    /// 5 in both, a string), to append to a shared body.
    static func nonceField(_ nonce: String) -> [UInt8] {
        ProtobufWire.lengthDelimitedField(5, nonce.utf8)
    }
}
