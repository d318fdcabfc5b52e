import MeridianIR

/// The port of a `RequestRedirect`'s `Location`, as the Gateway API defines it, written so
/// that Envoy produces exactly that.
///
/// The port is the filter's `port`; else the scheme's well-known port when the filter gives a
/// scheme; else the listener's port (as the Gateway writes it). `Location` carries no port
/// when it is the scheme's default (80 for http, 443 for https).
///
/// Envoy 1.40 writes `port_redirect` into `Location` literally, even `:80` and `:443`. With a
/// new host name and no `port_redirect` it writes no port. Otherwise it keeps the port of
/// the request's `Host`, dropping it only when the scheme changes away from that port's
/// default (`:80` to https). So a default port is left out of `port_redirect` when the host
/// changes or the listener listens on its scheme's default port (its clients send no port);
/// on another listener port it must be set, as the only way to replace the `Host`'s port.
enum RedirectPorts {
    static let wellKnown = ["http": 80, "https": 443]

    static func action(_ action: RouteAction, on placement: Placement) -> RouteAction {
        guard case .redirect(var redirect) = action else { return action }
        redirect.port = portRedirect(redirect, listenerPort: placement.gatewayPort, listenerScheme: placement.scheme)
        return .redirect(redirect)
    }

    /// What `port_redirect` must be (nil: none) for the `Location` the Gateway API asks for.
    static func portRedirect(_ redirect: Redirect, listenerPort: Int, listenerScheme: String) -> Int? {
        let scheme = redirect.scheme ?? listenerScheme
        let port = redirect.port ?? redirect.scheme.flatMap { wellKnown[$0] } ?? listenerPort
        guard port == wellKnown[scheme] else { return port }
        if redirect.hostname != nil || listenerPort == wellKnown[listenerScheme] { return nil }
        return port
    }

    /// A route as served on virtual host `domain`. A redirect that keeps the request's host
    /// and goes to its scheme's default port can name an exact host itself: with a host name
    /// Envoy writes no port, so `Location` has none even when the request's `Host` carries
    /// one (on a listener port that is not the scheme's default, where `port_redirect` would
    /// otherwise write the default port).
    static func route(_ route: Route, onVirtualHost domain: String, listenerScheme: String) -> Route {
        guard !domain.contains("*"), case .redirect(var redirect) = route.action, redirect.hostname == nil else { return route }
        let scheme = redirect.scheme ?? listenerScheme
        guard redirect.port == nil || redirect.port == wellKnown[scheme] else { return route }
        redirect.hostname = domain
        redirect.port = nil
        var served = route
        served.action = .redirect(redirect)
        return served
    }
}
