import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `envoy.filters.http.local_ratelimit` configs: the listener-wide one every HTTP
/// connection manager carries, and a route's own (`typed_per_filter_config`).
enum LocalRateLimitEncoding {
    typealias Message = Envoy__Extensions__Filters__Http__LocalRatelimit__V3__LocalRateLimit

    /// How many distinct descriptor values (say, tenants) get a bucket of their own at once.
    /// Beyond it Envoy drops the least recently used value's bucket, so that value starts
    /// afresh; Envoy's default (20) would do that to the 21st tenant already.
    static let maxDynamicDescriptors: UInt32 = 10_000

    /// The listener's limit, or, without one, a config that does nothing: no bucket and
    /// the filter enabled for 0% of requests. Installing the filter either way means a
    /// route's limit only ever changes the RouteConfiguration, never the Listener (whose
    /// change would drain every connection).
    static func listenerConfig(_ arena: ProtobufArena, _ limit: LocalRateLimit?, statPrefix: String) -> UnsafeMutablePointer<Message> {
        guard let limit else {
            return arena.make(envoy__extensions__filters__http__local_ratelimit__v3__local_rate_limit__init) {
                $0.stat_prefix = arena.string(statPrefix)
            }
        }
        return enforcing(arena, limit, statPrefix: statPrefix, needsDefaultBucket: false)
    }

    /// A route's limit; it replaces the listener's config for that route.
    static func routeConfig(_ arena: ProtobufArena, _ limit: LocalRateLimit, statPrefix: String) -> UnsafeMutablePointer<Message> {
        // Envoy rejects a per-route config without a token bucket.
        enforcing(arena, limit, statPrefix: statPrefix, needsDefaultBucket: true)
    }

    private static func enforcing(_ arena: ProtobufArena, _ limit: LocalRateLimit, statPrefix: String, needsDefaultBucket: Bool) -> UnsafeMutablePointer<Message> {
        let descriptors = limit.descriptors.map { descriptor in
            let entries = descriptor.headers.map { header in
                // An empty value is Envoy's wildcard: each distinct value of the header
                // gets a bucket of its own (created on first use).
                arena.make(envoy__extensions__common__ratelimit__v3__rate_limit_descriptor__entry__init) {
                    $0.key = arena.string(header)
                    $0.value = arena.string("")
                }
            }
            return arena.make(envoy__extensions__common__ratelimit__v3__local_rate_limit_descriptor__init) {
                $0.n_entries = entries.count
                $0.entries = arena.array(entries)
                $0.token_bucket = tokenBucket(arena, descriptor.tokenBucket)
            }
        }
        let rateLimits = limit.descriptors.map { descriptorActions(arena, $0) }
        let ratelimited = arena.make(envoy__config__core__v3__header_value__init) {
            $0.key = arena.string("x-envoy-ratelimited")
            $0.value = arena.string("true")
        }
        // Envoy 1.40's local rate limiter answers 429 without it; clients and the
        // tests tell a rate limit from a backend's own 429 by it.
        let ratelimitedHeader = arena.make(envoy__config__core__v3__header_value_option__init) {
            $0.header = ratelimited
            $0.append_action = ENVOY__CONFIG__CORE__V3__HEADER_VALUE_OPTION__HEADER_APPEND_ACTION__OVERWRITE_IF_EXISTS_OR_ADD
        }
        let status = arena.make(envoy__type__v3__http_status__init) { $0.code = ENVOY__TYPE__V3__STATUS_CODE__TooManyRequests }
        return arena.make(envoy__extensions__filters__http__local_ratelimit__v3__local_rate_limit__init) { message in
            message.stat_prefix = arena.string(statPrefix)
            message.status = status
            if let bucket = limit.tokenBucket {
                message.token_bucket = tokenBucket(arena, bucket)
            } else if needsDefaultBucket {
                // Only descriptors limit: a bucket that never runs dry, consulted only by
                // requests no descriptor matches.
                message.token_bucket = tokenBucket(arena, TokenBucket(maxTokens: .max, tokensPerFill: .max, fillInterval: .seconds(1)))
                message.always_consume_default_token_bucket = arena.bool(false)
            }
            message.filter_enabled = CoreMessages.always(arena, runtimeKey: "local_rate_limit_enabled")
            message.filter_enforced = CoreMessages.always(arena, runtimeKey: "local_rate_limit_enforced")
            message.n_response_headers_to_add = 1
            message.response_headers_to_add = arena.array([ratelimitedHeader])
            if !descriptors.isEmpty {
                message.n_descriptors = descriptors.count
                message.descriptors = arena.array(descriptors)
                message.n_rate_limits = rateLimits.count
                message.rate_limits = arena.array(rateLimits)
                message.max_dynamic_descriptors = arena.uint32(maxDynamicDescriptors)
            }
        }
    }

    /// The request's descriptor for one IR descriptor: one entry per header, keyed by the
    /// header name. Carried in the LocalRateLimit itself (its `rate_limits`), not in the
    /// RouteAction, so the listener-wide config can use descriptors too.
    private static func descriptorActions(_ arena: ProtobufArena, _ descriptor: RateLimitDescriptor) -> UnsafeMutablePointer<Envoy__Config__Route__V3__RateLimit> {
        let actions = descriptor.headers.map { header in
            // skip_if_absent stays false: a request missing one of the headers then makes
            // no descriptor at all, as the IR asks ("all must be present"). With true, Envoy
            // would emit the remaining entries, which can match (and drain) another
            // descriptor's bucket.
            let requestHeaders = arena.make(envoy__config__route__v3__rate_limit__action__request_headers__init) {
                $0.header_name = arena.string(header)
                $0.descriptor_key = arena.string(header)
            }
            return arena.make(envoy__config__route__v3__rate_limit__action__init) {
                $0.action_specifier_case = ENVOY__CONFIG__ROUTE__V3__RATE_LIMIT__ACTION__ACTION_SPECIFIER_REQUEST_HEADERS
                $0.request_headers = requestHeaders
            }
        }
        return arena.make(envoy__config__route__v3__rate_limit__init) {
            $0.n_actions = actions.count
            $0.actions = arena.array(actions)
        }
    }

    private static func tokenBucket(_ arena: ProtobufArena, _ bucket: TokenBucket) -> UnsafeMutablePointer<Envoy__Type__V3__TokenBucket> {
        arena.make(envoy__type__v3__token_bucket__init) {
            $0.max_tokens = bucket.maxTokens
            $0.tokens_per_fill = arena.uint32(bucket.tokensPerFill)
            $0.fill_interval = arena.duration(bucket.fillInterval)
        }
    }
}
