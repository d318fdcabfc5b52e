import Hummingbird

/// `/metrics`: Prometheus text exposition of Meridian's own metrics.
enum MetricsRoutes {
    static func add(to router: Router<BasicRequestContext>, sources: AdminSources) {
        router.get("/metrics") { request, _ in
            guard let render = sources.metrics else {
                return AdminResponses.error(request, .notFound, "metrics are off")
            }
            return AdminResponses.text(render(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
    }
}
