import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// A route's `CorsPolicy` for the `envoy.filters.http.cors` filter every listener installs.
enum CORSEncoding {
    static func policy(_ arena: ProtobufArena, _ cors: CORSPolicy) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Http__Cors__V3__CorsPolicy> {
        let origins = cors.allowOrigins.map { RouteEncoding.stringMatcher(arena, $0) }
        return arena.make(envoy__extensions__filters__http__cors__v3__cors_policy__init) { policy in
            policy.n_allow_origin_string_match = origins.count
            policy.allow_origin_string_match = arena.array(origins)
            // Envoy answers `*` with the preflight's Access-Control-Request-Method/-Headers.
            if !cors.allowMethods.isEmpty { policy.allow_methods = arena.string(cors.allowMethods.joined(separator: ", ")) }
            if !cors.allowHeaders.isEmpty { policy.allow_headers = arena.string(cors.allowHeaders.joined(separator: ", ")) }
            if !cors.exposeHeaders.isEmpty { policy.expose_headers = arena.string(cors.exposeHeaders.joined(separator: ", ")) }
            if let maxAge = cors.maxAgeSeconds { policy.max_age = arena.string(String(maxAge)) }
            policy.allow_credentials = arena.bool(cors.allowCredentials)
            // A preflight from an origin not allowed is answered 200 without CORS headers by
            // Envoy itself, not forwarded to the backend (Envoy's default).
            policy.forward_not_matching_preflights = arena.bool(false)
        }
    }
}
