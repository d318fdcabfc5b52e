// kgateway's `LoadBalancer` of a BackendConfigPolicy: exactly one algorithm, with hash
// policies for the consistent-hashing ones.

/// A coding key type with no keys, for objects written as `{}`.
struct NoCodingKeys: CodingKey {
    var stringValue: String { "" }
    var intValue: Int? { nil }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { nil }
}

extension BackendConfigPolicySpec {
    /// kgateway's `LoadBalancer`: exactly one of the algorithms.
    public struct LoadBalancer: Sendable, Hashable, Decodable {
        /// Power-of-choices least request.
        public var leastRequest: LeastRequest?
        /// Round robin.
        public var roundRobin: RoundRobin?
        /// Consistent hashing on a ring.
        public var ringHash: RingHash?
        /// Consistent hashing with Maglev.
        public var maglev: Maglev?
        /// Random choice.
        public var random: Random?

        /// Memberwise initializer.
        public init(leastRequest: LeastRequest? = nil, roundRobin: RoundRobin? = nil, ringHash: RingHash? = nil, maglev: Maglev? = nil, random: Random? = nil) {
            self.leastRequest = leastRequest
            self.roundRobin = roundRobin
            self.ringHash = ringHash
            self.maglev = maglev
            self.random = random
        }

        /// kgateway's `LoadBalancerLeastRequestConfig`.
        public struct LeastRequest: Sendable, Hashable, Decodable {
            /// How many endpoints are compared (kgateway's default is 2).
            public var choiceCount: Int?

            /// Memberwise initializer.
            public init(choiceCount: Int? = nil) {
                self.choiceCount = choiceCount
            }
        }

        /// kgateway's `LoadBalancerRoundRobinConfig` (written `roundRobin: {}`).
        public struct RoundRobin: Sendable, Hashable, Decodable {
            /// Creates the configuration.
            public init() {}

            /// Decodes `{}`; any key is reported as unknown or unsupported.
            public init(from decoder: any Decoder) throws {
                _ = try decoder.container(keyedBy: NoCodingKeys.self)
            }
        }

        /// kgateway's `LoadBalancerRandomConfig` (written `random: {}`).
        public struct Random: Sendable, Hashable, Decodable {
            /// Creates the configuration.
            public init() {}

            /// Decodes `{}`; any key is reported as unknown.
            public init(from decoder: any Decoder) throws {
                _ = try decoder.container(keyedBy: NoCodingKeys.self)
            }
        }

        /// kgateway's `LoadBalancerRingHashConfig`.
        public struct RingHash: Sendable, Hashable, Decodable {
            /// Minimum number of ring entries.
            public var minimumRingSize: Int?
            /// Maximum number of ring entries.
            public var maximumRingSize: Int?
            /// What requests are hashed on (1 to 16 policies).
            public var hashPolicies: [HashPolicy]?

            /// Memberwise initializer.
            public init(minimumRingSize: Int? = nil, maximumRingSize: Int? = nil, hashPolicies: [HashPolicy]? = nil) {
                self.minimumRingSize = minimumRingSize
                self.maximumRingSize = maximumRingSize
                self.hashPolicies = hashPolicies
            }
        }

        /// kgateway's `LoadBalancerMaglevConfig`.
        public struct Maglev: Sendable, Hashable, Decodable {
            /// What requests are hashed on (1 to 16 policies).
            public var hashPolicies: [HashPolicy]?

            /// Memberwise initializer.
            public init(hashPolicies: [HashPolicy]? = nil) {
                self.hashPolicies = hashPolicies
            }

            /// Decodes the configuration (`maglev: {}` included).
            public init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                hashPolicies = try container.decodeIfPresent([HashPolicy].self, forKey: .hashPolicies)
            }

            private enum CodingKeys: String, CodingKey {
                case hashPolicies
            }
        }
    }

    /// kgateway's `HashPolicy`: exactly one of `header`, `cookie` and `sourceIP`.
    public struct HashPolicy: Sendable, Hashable, Decodable {
        /// Hash on a request header's value.
        public var header: Header?
        /// Hash on a cookie.
        public var cookie: Cookie?
        /// Hash on the client's IP address (written `sourceIP: {}`).
        public var sourceIP: SourceIP?
        /// When this policy produced a hash, skip the following ones.
        public var terminal: Bool?

        /// Memberwise initializer.
        public init(header: Header? = nil, cookie: Cookie? = nil, sourceIP: SourceIP? = nil, terminal: Bool? = nil) {
            self.header = header
            self.cookie = cookie
            self.sourceIP = sourceIP
            self.terminal = terminal
        }

        /// kgateway's hash policy `Header`.
        public struct Header: Sendable, Hashable, Decodable {
            /// The header name.
            public var name: String

            /// Memberwise initializer.
            public init(name: String) {
                self.name = name
            }
        }

        /// kgateway's hash policy `Cookie`.
        public struct Cookie: Sendable, Hashable, Decodable {
            /// The cookie name.
            public var name: String
            /// The cookie's path, when Envoy generates it.
            public var path: String?
            /// When set, Envoy generates the cookie with this lifetime if it is missing (zero: a session cookie).
            public var ttl: GatewayAPIDuration?

            /// Memberwise initializer.
            public init(name: String, path: String? = nil, ttl: GatewayAPIDuration? = nil) {
                self.name = name
                self.path = path
                self.ttl = ttl
            }
        }

        /// kgateway's `SourceIP` (written `{}`).
        public struct SourceIP: Sendable, Hashable, Decodable {
            /// Creates the configuration.
            public init() {}

            /// Decodes `{}`; any key is reported as unknown.
            public init(from decoder: any Decoder) throws {
                _ = try decoder.container(keyedBy: NoCodingKeys.self)
            }
        }
    }
}
