import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// A route's resilience policies: retries, hash policies, and its own configs for the
/// local rate limit and stateful session filters every listener installs.
enum RoutePolicyEncoding {
    static func retryPolicy(_ arena: ProtobufArena, _ retry: RetryPolicy) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RetryPolicy> {
        arena.make(envoy__config__route__v3__retry_policy__init) { policy in
            policy.retry_on = arena.string(retry.retryOn.joined(separator: ","))
            policy.num_retries = arena.uint32(retry.numRetries)
            if let perTry = retry.perTryTimeout { policy.per_try_timeout = arena.duration(perTry) }
            // Envoy requires base_interval whenever retry_back_off is present.
            if let base = retry.backOffBase {
                policy.retry_back_off = arena.make(envoy__config__route__v3__retry_policy__retry_back_off__init) {
                    $0.base_interval = arena.duration(base)
                    if let max = retry.backOffMax { $0.max_interval = arena.duration(max) }
                }
            }
            policy.n_retriable_status_codes = retry.retriableStatusCodes.count
            policy.retriable_status_codes = arena.scalars(retry.retriableStatusCodes)
        }
    }

    static func hashPolicy(_ arena: ProtobufArena, _ hash: HashPolicy) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RouteAction__HashPolicy> {
        arena.make(envoy__config__route__v3__route_action__hash_policy__init) { policy in
            switch hash.source {
            case .header(let name):
                policy.policy_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_HEADER
                policy.header = arena.make(envoy__config__route__v3__route_action__hash_policy__header__init) { $0.header_name = arena.string(name) }
            case .cookie(let name, let ttl, let path):
                policy.policy_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_COOKIE
                policy.cookie = arena.make(envoy__config__route__v3__route_action__hash_policy__cookie__init) {
                    $0.name = arena.string(name)
                    if let ttl { $0.ttl = arena.duration(ttl) }
                    if let path { $0.path = arena.string(path) }
                }
            case .sourceIP:
                policy.policy_specifier_case = ENVOY__CONFIG__ROUTE__V3__ROUTE_ACTION__HASH_POLICY__POLICY_SPECIFIER_CONNECTION_PROPERTIES
                policy.connection_properties = arena.make(envoy__config__route__v3__route_action__hash_policy__connection_properties__init) { $0.source_ip = 1 }
            }
            policy.terminal = hash.terminal ? 1 : 0
        }
    }

    typealias FilterConfigEntry = Envoy__Config__Route__V3__Route__TypedPerFilterConfigEntry

    /// `typed_per_filter_config`, keyed by filter name in sorted order (the bytes must not
    /// depend on anything but the IR). A route without a policy gets no entry and keeps
    /// the listener-wide config.
    static func perFilterConfigs(_ arena: ProtobufArena, _ route: Route) -> [UnsafeMutablePointer<FilterConfigEntry>] {
        var entries: [(String, UnsafeMutablePointer<Google__Protobuf__Any>)] = []
        if let limit = route.rateLimit {
            let config = LocalRateLimitEncoding.routeConfig(arena, limit, statPrefix: statPrefix(route))
            entries.append((ExtensionName.localRateLimit, arena.any(typeURL: ExtensionTypeURL.localRateLimit, packing: config)))
        }
        if let cors = route.cors {
            entries.append((ExtensionName.cors, arena.any(typeURL: ExtensionTypeURL.corsPolicy, packing: CORSEncoding.policy(arena, cors))))
        }
        if let persistence = route.sessionPersistence {
            let config = StatefulSessionEncoding.routeConfig(arena, persistence)
            entries.append((ExtensionName.statefulSession, arena.any(typeURL: ExtensionTypeURL.statefulSessionPerRoute, packing: config)))
        }
        return entries.sorted { $0.0 < $1.0 }.map { name, value in
            arena.make(envoy__config__route__v3__route__typed_per_filter_config_entry__init) {
                $0.key = arena.string(name)
                $0.value = value
            }
        }
    }

    /// Envoy requires a non-empty stat prefix; the route's name keeps its counters apart.
    private static func statPrefix(_ route: Route) -> String {
        route.name.isEmpty ? "route_local_rate_limit" : "\(route.name)_local_rate_limit"
    }
}
