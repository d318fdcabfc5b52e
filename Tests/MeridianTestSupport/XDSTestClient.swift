import EnvoyAPI
import Foundation
import GRPCCoreTransport
import Synchronization

/// A scripted xDS client: speaks ADS over real gRPC, exactly as a proxy would, one message at a time.
public final class XDSTestClient: Sendable {
    private let channel: GRPCChannel
    private let stream: ClientStream
    private final class Inbox: Sendable {
        let responses = Mutex<[DiscoveryResponse]>([])
    }

    private let inbox = Inbox()
    private let pump: Task<Void, Never>

    /// Opens an ADS stream (or, with `method`, another state-of-the-world one) to 127.0.0.1:`port`,
    /// over TLS when `tls` is given, on a connection of its own when `ownConnection` (else one
    /// shared with the process's other clients).
    public init(
        port: Int, method: String = "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
        tls: GRPCChannel.TLS? = nil, ownConnection: Bool = false
    ) async throws {
        channel = GRPCChannel(target: "127.0.0.1:\(port)", tls: tls, ownConnection: ownConnection)
        stream = try await channel.openStream(method: method)
        let responses = stream.responses
        let inbox = self.inbox
        pump = Task {
            for await bytes in responses {
                if let response = try? DiscoveryResponse(decoding: bytes) {
                    inbox.responses.withLock { $0.append(response) }
                }
            }
        }
    }

    public func send(_ request: DiscoveryRequest) async throws {
        try await stream.send(request.encoded())
    }

    /// Sends bytes as they are, for requests `DiscoveryRequest` cannot express.
    public func sendRaw(_ bytes: [UInt8]) async throws {
        try await stream.send(bytes)
    }

    /// The next response, or nil if none arrives within `timeout`. Generous: in the whole suite
    /// on two cores, other tests' synchronous work (RSA keys for test certificates, made on the
    /// cooperative pool) has held both pool threads for seconds, and a 5 s wait once ran out
    /// before the server's first answer could be read.
    public func next(timeout: Duration = .seconds(20)) async -> DiscoveryResponse? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let response = inbox.responses.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return response }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Waits `quiet` and returns every response that arrived meanwhile (expect none).
    public func drain(quiet: Duration = .milliseconds(300)) async -> [DiscoveryResponse] {
        try? await Task.sleep(for: quiet)
        return inbox.responses.withLock { responses in
            defer { responses = [] }
            return responses
        }
    }

    /// The status the server ended the stream with.
    public func status() async -> GRPCStatus { await stream.status() }

    /// The status the stream ended with, or nil while it is open.
    public var endedStatus: GRPCStatus? { stream.endedStatus }

    public func close() async {
        await stream.closeSend()
        _ = await stream.status()
        pump.cancel()
        await channel.close()
    }
}

extension XDSTestClient {
    /// Sends `request` with its type URL replaced by `typeURLBytes`, byte for byte: a NUL,
    /// invalid UTF-8, anything a Swift string cannot carry through protobuf-c's C strings.
    /// The field is appended (proto3: the last occurrence of a field wins).
    public func send(_ request: DiscoveryRequest, typeURLBytes: [UInt8]) async throws {
        try await sendRaw(request.encoded() + ProtobufTestWire.lengthDelimited(field: 4, typeURLBytes))
    }
}

/// Hand-made protobuf fields, for messages no well-behaved encoder would produce.
public enum ProtobufTestWire {
    /// Field `field`, wire type 2, holding `bytes`.
    public static func lengthDelimited(field: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        varint(field << 3 | 2) + varint(UInt64(bytes.count)) + bytes
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var bytes: [UInt8] = []
        repeat {
            let low = UInt8(value & 0x7F)
            value >>= 7
            bytes.append(value == 0 ? low : low | 0x80)
        } while value != 0
        return bytes
    }
}
