// The settings of a `GRPCServer`: gRPC core channel arguments, descriptor headroom, TLS.

extension GRPCServer {
    /// How the server uses gRPC core.
    public struct Configuration: Sendable {
        /// Completion queues, each with its own polling thread.
        public var completionQueueCount: Int = 2
        /// Calls each queue is ready to accept at once.
        public var pendingAcceptsPerQueue: Int = 8
        /// The largest message accepted from a client.
        public var maxReceiveMessageBytes: Int = 16 << 20
        /// How idle and old connections are treated.
        public var connections = ConnectionPolicy()
        /// Descriptors kept free: a new call is refused with RESOURCE_EXHAUSTED while fewer than
        /// this many, or 5% of the soft limit if more, remain. The client retries (Envoy backs off
        /// and retries its ADS stream), and the process never reaches EMFILE from its own calls.
        public var descriptorHeadroom: Int = 64
        /// The soft descriptor limit to plan against; nil reads RLIMIT_NOFILE. Tests set a small
        /// one rather than lowering the limit of a whole test process.
        public var descriptorLimitOverride: Int?
        /// TLS (or mTLS, with a client CA) on the port; nil serves plaintext HTTP/2.
        public var tls: ServerTLS?
        /// Told when accepting a connection fails for want of descriptors or memory (an errno
        /// description); accepting resumes by itself. Called on the accept thread.
        public var onAcceptError: (@Sendable (String) -> Void)?

        public init() {}
    }

    /// Keepalive and maximum connection age, as gRPC core channel arguments.
    public struct ConnectionPolicy: Sendable {
        /// The server PINGs a connection idle this long; nil leaves gRPC core's default (2 h).
        public var keepaliveTime: Duration? = .seconds(30)
        /// A PING unanswered this long closes the connection (and ends its streams).
        public var keepaliveTimeout: Duration? = .seconds(10)
        /// Client PINGs closer together than this (without data) are strikes.
        public var minClientPingInterval: Duration? = .seconds(10)
        /// Strikes tolerated: one more sends GOAWAY ENHANCE_YOUR_CALM; nil leaves the default (2).
        public var maxPingStrikes: Int? = 2
        /// Connections get GOAWAY after this age (gRPC core adds ±10% jitter), so a fleet
        /// spreads over replicas again; nil means no limit.
        public var maxConnectionAge: Duration? = nil
        /// How long streams may continue after that GOAWAY before the connection closes.
        public var maxConnectionAgeGrace: Duration? = nil

        public init() {}
    }
}
