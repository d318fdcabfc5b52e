import Hummingbird
import Logging
import NIOCore

/// The admin server's request context: Hummingbird's basic one plus the client's address,
/// which the routes that change what is served (rollback, unpin) check is on loopback.
struct AdminRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    /// Kept to hand the request on as a `BasicRequestContext` (`AdminResponder`).
    private let channel: any Channel
    private let sourceLogger: Logger

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
        sourceLogger = source.logger
    }

    /// What this context was made from, to make another kind of context from it.
    var source: ApplicationRequestContextSource { ApplicationRequestContextSource(channel: channel, logger: sourceLogger) }

    var remoteAddress: SocketAddress? { channel.remoteAddress }

    /// Whether the client connected from this machine: 127.0.0.0/8, ::1 (or v4-mapped
    /// loopback), or a Unix socket.
    var isFromLoopback: Bool { Self.isLoopback(remoteAddress) }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let address else { return false }
        switch address {
        case .unixDomainSocket: return true
        case .v4: return address.ipAddress?.hasPrefix("127.") == true
        case .v6:
            guard let ip = address.ipAddress?.lowercased() else { return false }
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        }
    }
}

/// Sends `/snapshots` requests to the router that needs the client's address, and every
/// other request to the admin router shared by the other route groups, unchanged.
struct AdminResponder: HTTPResponder {
    typealias Context = AdminRequestContext

    let shared: RouterResponder<BasicRequestContext>
    let snapshots: RouterResponder<AdminRequestContext>

    func respond(to request: Request, context: AdminRequestContext) async throws -> Response {
        let path = request.uri.path
        if path == "/snapshots" || path.hasPrefix("/snapshots/") {
            return try await snapshots.respond(to: request, context: context)
        }
        return try await shared.respond(to: request, context: BasicRequestContext(source: context.source))
    }
}
