import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `envoy.filters.http.stateful_session` configs: the listener-wide no-op and a route's sessions.
enum StatefulSessionEncoding {
    /// No `session_state`: the filter neither reads nor sets anything. Installed on every
    /// listener so that turning sessions on for a route changes only the RouteConfiguration.
    static func listenerConfig(_ arena: ProtobufArena) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Http__StatefulSession__V3__StatefulSession> {
        arena.make(envoy__extensions__filters__http__stateful_session__v3__stateful_session__init)
    }

    /// The route's carrier as a `StatefulSessionPerRoute`, replacing the no-op for that route.
    static func routeConfig(
        _ arena: ProtobufArena,
        _ persistence: SessionPersistence
    ) -> UnsafeMutablePointer<Envoy__Extensions__Filters__Http__StatefulSession__V3__StatefulSessionPerRoute> {
        let state: UnsafeMutablePointer<Envoy__Config__Core__V3__TypedExtensionConfig>
        switch persistence.carrier {
        case .cookie(let name, let ttl, let path):
            let cookie = arena.make(envoy__type__http__v3__cookie__init) {
                $0.name = arena.string(name)
                // Without a ttl Envoy's Set-Cookie has no Max-Age: a session cookie.
                if let ttl { $0.ttl = arena.duration(ttl) }
                $0.path = arena.string(path)
            }
            let config = arena.make(envoy__extensions__http__stateful_session__cookie__v3__cookie_based_session_state__init) { $0.cookie = cookie }
            state = typedExtension(arena, name: ExtensionName.cookieSessionState, typeURL: ExtensionTypeURL.cookieSessionState, config: config)
        case .header(let name):
            let config = arena.make(envoy__extensions__http__stateful_session__header__v3__header_based_session_state__init) { $0.name = arena.string(name) }
            state = typedExtension(arena, name: ExtensionName.headerSessionState, typeURL: ExtensionTypeURL.headerSessionState, config: config)
        }
        let session = arena.make(envoy__extensions__filters__http__stateful_session__v3__stateful_session__init) { $0.session_state = state }
        return arena.make(envoy__extensions__filters__http__stateful_session__v3__stateful_session_per_route__init) {
            $0.override_case = ENVOY__EXTENSIONS__FILTERS__HTTP__STATEFUL_SESSION__V3__STATEFUL_SESSION_PER_ROUTE__OVERRIDE_STATEFUL_SESSION
            $0.stateful_session = session
        }
    }

    private static func typedExtension<Config>(
        _ arena: ProtobufArena,
        name: String,
        typeURL: String,
        config: UnsafeMutablePointer<Config>
    ) -> UnsafeMutablePointer<Envoy__Config__Core__V3__TypedExtensionConfig> {
        let typed = arena.any(typeURL: typeURL, packing: config)
        return arena.make(envoy__config__core__v3__typed_extension_config__init) {
            $0.name = arena.string(name)
            $0.typed_config = typed
        }
    }
}
