import MeridianIR
import MeridianLoad

/// Why a backendRef could not be resolved.
struct BackendProblem: Error {
    var reason: ConditionReason
    var message: String
}

/// The backend pass: a backendRef becomes one Envoy cluster per Service port, EDS from the
/// Service's EndpointSlices, else DNS. Policies refine these clusters later.
enum BackendResolution {
    static func resolve(
        _ reference: BackendObjectReference,
        routeKind: RouteKind,
        routeNamespace: String,
        context: TranslationContext
    ) -> Result<(backend: BackendKey, cluster: Cluster), BackendProblem> {
        if reference.group == PolicyPlugins.groups["DirectResponse"], reference.kind == "Backend" {
            return resolveBackend(reference, routeKind: routeKind, routeNamespace: routeNamespace, context: context)
        }
        guard reference.group.isEmpty, reference.kind == "Service" else {
            let kind = (reference.group.isEmpty ? "" : reference.group + "/") + reference.kind
            return .failure(BackendProblem(reason: .invalidKind, message: "backend kind \(kind) is not supported; only Service and gateway.kgateway.dev/Backend"))
        }
        let namespace = reference.namespace ?? routeNamespace
        let qualified = "\(namespace)/\(reference.name)"
        if namespace != routeNamespace,
           !context.referenceGranted(fromKind: routeKind.rawValue, fromNamespace: routeNamespace, toGroup: "", toKind: "Service", name: reference.name, in: namespace) {
            return .failure(BackendProblem(reason: .refNotPermitted, message: "Service \(qualified) is in another namespace and no ReferenceGrant in \(namespace) allows \(routeKind.rawValue)s from \(routeNamespace)"))
        }
        guard let service = context.services[qualified] else {
            return .failure(BackendProblem(reason: .backendNotFound, message: "Service \(qualified) is not declared"))
        }
        guard let port = reference.port, let servicePort = service.spec.ports.first(where: { $0.port == port }) else {
            let ports = service.spec.ports.map { String($0.port) }.joined(separator: ", ")
            return .failure(BackendProblem(reason: .backendNotFound, message: "Service \(qualified) has no port \(reference.port.map(String.init) ?? "(none given)"); it has \(ports.isEmpty ? "none" : ports)"))
        }
        let key = BackendKey(kind: "Service", namespace: namespace, name: reference.name, port: port)
        var cluster = cluster(for: service, port: servicePort, context: context)
        let tls = context.backendTLS.hasTLS(namespace: namespace, service: reference.name, portName: servicePort.name)
        context.backendTLS.apply(to: &cluster, namespace: namespace, service: reference.name, portName: servicePort.name)
        switch BackendProtocol(appProtocol: servicePort.appProtocol, routeKind: routeKind, tls: tls) {
        case .http1: break
        case .http2: cluster.upstreamHTTP = UpstreamHTTPOptions(http2: HTTP2Options())
        case .unsupported(let why):
            return .failure(BackendProblem(reason: .unsupportedProtocol, message: "Service \(qualified) port \(port) has appProtocol \(servicePort.appProtocol ?? ""): \(why)"))
        }
        return .success((key, cluster))
    }

    /// A kgateway `Backend` of type Static: one DNS cluster over its hosts.
    private static func resolveBackend(
        _ reference: BackendObjectReference,
        routeKind: RouteKind,
        routeNamespace: String,
        context: TranslationContext
    ) -> Result<(backend: BackendKey, cluster: Cluster), BackendProblem> {
        let namespace = reference.namespace ?? routeNamespace
        let qualified = "\(namespace)/\(reference.name)"
        if namespace != routeNamespace,
           !context.referenceGranted(fromKind: routeKind.rawValue, fromNamespace: routeNamespace, toGroup: reference.group, toKind: "Backend", name: reference.name, in: namespace) {
            return .failure(BackendProblem(reason: .refNotPermitted, message: "Backend \(qualified) is in another namespace and no ReferenceGrant in \(namespace) allows \(routeKind.rawValue)s from \(routeNamespace)"))
        }
        guard let backend = context.backends[qualified], let hosts = backend.spec.static?.hosts, !hosts.isEmpty else {
            return .failure(BackendProblem(reason: .backendNotFound, message: "Backend \(qualified) is not declared (or has no static hosts)"))
        }
        var cluster = Cluster(
            name: "backend:\(qualified)",
            discovery: .dns(hosts.map { MeridianIR.Endpoint(address: $0.host, port: $0.port) }),
            connectTimeout: context.options.connectTimeout
        )
        switch backend.spec.static?.appProtocol {
        case .http2, .grpc, .grpcWeb, .kubernetesH2C:
            cluster.upstreamHTTP = UpstreamHTTPOptions(http2: HTTP2Options())
        case .kubernetesWebSocket:
            if routeKind == .grpc {
                return .failure(BackendProblem(reason: .unsupportedProtocol, message: "Backend \(qualified) has appProtocol kubernetes.io/ws, and gRPC needs HTTP/2"))
            }
        case nil:
            // gRPC is HTTP/2 only.
            if routeKind == .grpc { cluster.upstreamHTTP = UpstreamHTTPOptions(http2: HTTP2Options()) }
        }
        return .success((BackendKey(kind: "Backend", namespace: namespace, name: reference.name, port: nil), cluster))
    }

    /// How Envoy speaks to a Service port, from its `appProtocol` (the Kubernetes standard
    /// application protocols of KEP-3726, and common IANA-style names) and the route's kind.
    enum BackendProtocol: Equatable {
        case http1
        case http2
        case unsupported(String)

        /// `tls`: a BackendTLSPolicy gives the port TLS, so a TLS `appProtocol` is served.
        init(appProtocol: String?, routeKind: RouteKind, tls: Bool = false) {
            switch appProtocol.map({ $0.hasPrefix("kubernetes.io/") ? $0 : $0.lowercased() }) {
            case "kubernetes.io/h2c", "h2c", "http2", "grpc":
                self = .http2
            case "kubernetes.io/ws", "ws", "websocket":
                self = routeKind == .grpc ? .unsupported("a WebSocket backend cannot serve gRPC, which needs HTTP/2") : .http1
            case "kubernetes.io/wss", "wss", "https", "tls":
                guard tls else {
                    self = .unsupported("a TLS protocol, and no BackendTLSPolicy targets the port")
                    return
                }
                self = routeKind == .grpc ? .http2 : .http1
            case "grpcs":
                self = tls ? .http2 : .unsupported("a TLS protocol, and no BackendTLSPolicy targets the port")
            default:
                // Not written, or another protocol: HTTP/1.1, except that gRPC is HTTP/2 only.
                self = routeKind == .grpc ? .http2 : .http1
            }
        }
    }

    /// A Service port as an Envoy cluster: EDS from its EndpointSlices, else DNS.
    static func cluster(for service: Service, port: ServicePort, context: TranslationContext) -> Cluster {
        let namespace = service.metadata.namespace ?? "default"
        let name = "\(namespace)/\(service.metadata.name):\(port.port)"
        return Cluster(name: name, discovery: discovery(for: service, port: port, context: context), connectTimeout: context.options.connectTimeout)
    }

    /// Where a Service port's endpoints come from.
    static func discovery(for service: Service, port: ServicePort, context: TranslationContext) -> EndpointDiscovery {
        let namespace = service.metadata.namespace ?? "default"
        if service.spec.type == .externalName, let external = service.spec.externalName {
            return .dns([MeridianIR.Endpoint(address: external, port: port.port)])
        }
        let slices = context.slicesByService["\(namespace)/\(service.metadata.name)"] ?? []
        guard !slices.isEmpty else {
            let hostname = "\(service.metadata.name).\(namespace).svc.\(context.options.clusterDomain)"
            return .dns([MeridianIR.Endpoint(address: hostname, port: port.port)])
        }
        var endpoints: [MeridianIR.Endpoint] = []
        for slice in slices where slice.addressType != .fqdn {
            // Slice ports carry the Service port's name; an unnamed single port matches an unnamed Service port.
            let slicePort = slice.ports.first { ($0.name ?? "") == (port.name ?? "") }
            let targetPort: Int?
            if let number = slicePort?.port {
                targetPort = number
            } else if case .number(let number) = port.targetPort, slice.ports.isEmpty {
                targetPort = number
            } else {
                targetPort = nil
            }
            guard let targetPort else { continue }
            for endpoint in slice.endpoints {
                guard let address = endpoint.addresses.first else { continue }
                endpoints.append(MeridianIR.Endpoint(address: address, port: targetPort, ready: endpoint.conditions.ready ?? true))
            }
        }
        endpoints.sort { ($0.address, $0.port) < ($1.address, $1.port) }
        return .endpoints(endpoints.uniqued())
    }
}
