import EnvoyAPI
import Foundation
import GRPCCoreTransport
import Synchronization

/// A scripted delta xDS client: speaks incremental ADS (or a per-type `Delta…` method) over
/// real gRPC, exactly as a proxy would, one message at a time.
public final class DeltaXDSTestClient: Sendable {
    private let channel: GRPCChannel
    private let stream: ClientStream
    private final class Inbox: Sendable {
        let responses = Mutex<[DeltaDiscoveryResponse]>([])
    }

    private let inbox = Inbox()
    private let pump: Task<Void, Never>

    public static let deltaAggregatedResources = "/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources"

    /// Opens a stream on `method` to 127.0.0.1:`port`.
    public init(port: Int, method: String = DeltaXDSTestClient.deltaAggregatedResources) async throws {
        channel = GRPCChannel(target: "127.0.0.1:\(port)")
        stream = try await channel.openStream(method: method)
        let responses = stream.responses
        let inbox = self.inbox
        pump = Task {
            for await bytes in responses {
                if let response = try? DeltaDiscoveryResponse(decoding: bytes) {
                    inbox.responses.withLock { $0.append(response) }
                }
            }
        }
    }

    public func send(_ request: DeltaDiscoveryRequest) async throws {
        try await stream.send(request.encoded())
    }

    /// The next response, or nil if none arrives within `timeout` (as generous as `XDSTestClient`'s).
    public func next(timeout: Duration = .seconds(20)) async -> DeltaDiscoveryResponse? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let response = inbox.responses.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return response }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Waits `quiet` and returns every response that arrived meanwhile (expect none).
    public func drain(quiet: Duration = .milliseconds(300)) async -> [DeltaDiscoveryResponse] {
        try? await Task.sleep(for: quiet)
        return inbox.responses.withLock { responses in
            defer { responses = [] }
            return responses
        }
    }

    /// The status the server ended the stream with.
    public func status() async -> GRPCStatus { await stream.status() }

    public func close() async {
        await stream.closeSend()
        _ = await stream.status()
        pump.cancel()
        await channel.close()
    }
}
