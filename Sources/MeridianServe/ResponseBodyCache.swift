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
/// at most one body per distinct response of the current snapshots. Responses that
/// make-before-break holds back in part are rare and per proxy: they are encoded per stream.
final class ResponseBodyCache: Sendable {
    /// What a response's content depends on, besides its version.
    private struct Slot: Hashable {
        var type: ResourceType
        /// Nil for a wildcard subscription (every resource of the type).
        var names: [String]?
    }

    private struct Entry {
        var version: String
        var body: SharedMessage
    }

    private let entries = Mutex<[Slot: Entry]>([:])

    /// A delta response's content: its type and version, each resource's name and version,
    /// and the names removed. Proxies that held the same thing get the same difference.
    private struct DeltaKey: Hashable {
        var type: ResourceType
        var version: String
        var resources: [String]
        var removed: [String]
    }

    private let deltaEntries = Mutex<[DeltaKey: SharedMessage]>([:])
    /// Delta bodies kept; past it, those of versions no longer served are dropped first.
    static let deltaLimit = 256
    /// Slots kept; past it, slots of versions no longer served are dropped first.
    static let slotLimit = 1_024

    /// The encoded body of `response` (without its nonce); nil if gRPC core cannot allocate it.
    func body(for response: DiscoveryStreamState.Response, liveVersions: () -> Set<String>) -> SharedMessage? {
        guard let sharing = response.sharing else { return Self.encode(response) }
        let slot = Slot(type: response.type, names: sharing.wildcard ? nil : response.resources.map(\.name))
        // Encoding under the lock: a stream asking for a body being encoded waits for it
        // rather than encoding it again.
        return entries.withLock { entries -> SharedMessage? in
            if let entry = entries[slot], entry.version == response.version { return entry.body }
            guard let body = Self.encode(response) else { return nil }
            if entries[slot] == nil, entries.count >= Self.slotLimit {
                let live = liveVersions()
                entries = entries.filter { live.contains($0.value.version) }
                if entries.count >= Self.slotLimit, let any = entries.keys.first { entries[any] = nil }
            }
            entries[slot] = Entry(version: response.version, body: body)
            return body
        }
    }

    /// How many bodies are held (for tests and metrics).
    var count: Int { entries.withLock { $0.count } + deltaEntries.withLock { $0.count } }

    /// The encoded body of a delta response (without its nonce), shared by every stream that
    /// sends the same difference (a fleet at one version gets one push, encoded once).
    func body(for response: DeltaDiscoveryStreamState.Response, liveVersions: () -> Set<String>) -> SharedMessage? {
        let key = DeltaKey(
            type: response.type, version: response.version,
            resources: response.resources.flatMap { [$0.resource.name, $0.version] }, removed: response.removed
        )
        return deltaEntries.withLock { entries -> SharedMessage? in
            if let body = entries[key] { return body }
            var message = response.deltaDiscoveryResponse
            message.nonce = ""
            guard let body = SharedMessage(message.encoded()) else { return nil }
            if entries.count >= Self.deltaLimit {
                let live = liveVersions()
                entries = entries.filter { live.contains($0.key.version) }
                if entries.count >= Self.deltaLimit, let any = entries.keys.first { entries[any] = nil }
            }
            entries[key] = body
            return body
        }
    }

    private static func encode(_ response: DiscoveryStreamState.Response) -> SharedMessage? {
        var message = response.discoveryResponse
        message.nonce = ""
        return SharedMessage(message.encoded())
    }

    /// The nonce as a protobuf field of `DiscoveryResponse` (field 5, a string), to append
    /// to a shared body.
    static func nonceField(_ nonce: String) -> [UInt8] {
        let bytes = Array(nonce.utf8)
        var field: [UInt8] = [5 << 3 | 2]
        var length = bytes.count
        repeat {
            field.append(UInt8(length & 0x7f) | (length > 0x7f ? 0x80 : 0))
            length >>= 7
        } while length > 0
        return field + bytes
    }
}
