import EnvoyAPI
import Foundation
import GRPCCoreTransport
import Synchronization

/// An ADS server with no control-plane logic: it answers with captured DiscoveryResponse bytes.
///
/// The baseline for Meridian's figures. It runs on the same transport (GRPCCoreTransport over
/// gRPC core), so the difference to `meridian serve` is what Meridian does per stream: request
/// decoding, the SotW state machine, snapshot lookups, encoding, status tracking. Each stream's
/// first request for a type gets the current set's response for it; ACKs get nothing; a push
/// (`advance`) switches to the next set and sends each subscribed type whose bytes changed.
/// Each response is held once in gRPC core (`SharedMessage`) and sent to every stream without
/// a copy per stream, as Meridian sends its shared bodies: the baseline is what the transport
/// costs, not a copy per proxy.
final class ReplayServer: Sendable {
    /// Sets of responses by type; a push moves to the next set (and wraps around).
    private let sets: [[XDSType: [UInt8]]]
    private let shared: [[XDSType: SharedMessage]]
    private let current = Atomic<Int>(0)
    private let streams = Mutex<[ObjectIdentifier: AsyncStream<Event>.Continuation]>([:])

    private enum Event: Sendable {
        case request([UInt8])
        case push(from: Int, to: Int)
    }

    init(sets: [[XDSType: [UInt8]]]) {
        self.sets = sets
        shared = sets.map { set in set.compactMapValues { SharedMessage($0) } }
    }

    /// Reads DIR/0, DIR/1, … as written by `capture`.
    static func load(from directory: String) throws(LoadGeneratorError) -> ReplayServer {
        var sets: [[XDSType: [UInt8]]] = []
        while true {
            let setDirectory = URL(fileURLWithPath: directory).appendingPathComponent("\(sets.count)")
            guard FileManager.default.fileExists(atPath: setDirectory.path) else { break }
            var set: [XDSType: [UInt8]] = [:]
            for type in XDSType.allCases {
                if let data = try? Data(contentsOf: setDirectory.appendingPathComponent("\(type.shortName).pb")) { set[type] = [UInt8](data) }
            }
            sets.append(set)
        }
        guard !sets.isEmpty else { throw .noCapture(directory) }
        return ReplayServer(sets: sets)
    }

    var handlers: [String: GRPCServer.Handler] {
        [SimulatedProxy.method: { [self] stream in await serve(stream) }]
    }

    /// Switches to the next set and pushes what changed to every stream.
    func advance() {
        let from = current.load(ordering: .relaxed)
        let to = (from + 1) % sets.count
        current.store(to, ordering: .relaxed)
        for continuation in streams.withLock({ Array($0.values) }) { continuation.yield(.push(from: from, to: to)) }
    }

    private func serve(_ stream: ServerStream) async {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let id = ObjectIdentifier(stream)
        streams.withLock { $0[id] = continuation }
        let reader = Task {
            for await request in stream.requests { continuation.yield(.request(request)) }
            continuation.finish()
        }
        defer {
            _ = streams.withLock { $0.removeValue(forKey: id) }
            reader.cancel()
        }
        var subscribed: Set<XDSType> = []
        for await event in events {
            var responses: [SharedMessage] = []
            switch event {
            case .request(let bytes):
                let typeURL = ProtobufScan.string(4, in: bytes[...])
                let nonce = ProtobufScan.string(5, in: bytes[...])
                // A request without a nonce subscribes; one with a nonce ACKs (or NACKs): no answer.
                guard let type = XDSType(typeURL: typeURL), nonce.isEmpty, subscribed.insert(type).inserted,
                      let response = shared[current.load(ordering: .relaxed)][type] else { continue }
                responses.append(response)
            case .push(let from, let to):
                for type in XDSType.allCases where subscribed.contains(type) && sets[to][type] != sets[from][type] {
                    if let response = shared[to][type] { responses.append(response) }
                }
            }
            for response in responses {
                do { try await stream.send(response, appending: []) } catch { return }
            }
        }
    }
}

/// Why the load generator cannot go on.
enum LoadGeneratorError: Error, CustomStringConvertible {
    case noCapture(String)
    case cannotListen(String)

    var description: String {
        switch self {
        case .noCapture(let directory): "no captured responses in \(directory) (expected \(directory)/0/cds.pb …; see `meridian-load capture`)"
        case .cannotListen(let reason): "cannot listen: \(reason)"
        }
    }
}
