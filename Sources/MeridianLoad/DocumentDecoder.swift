// Turns one YAML document into a typed resource, an ignored document, or errors.
// apiVersion and kind choose the decoder; everything else about a kind lives in its
// own *Decoding.swift file, or, for the policy kinds, in its `Decodable` model and
// `validate` (CustomResourceDecoding.swift).

/// A successfully decoded resource of a supported kind.
enum DecodedResource {
    case gatewayClass(GatewayClass)
    case gateway(Gateway)
    case httpRoute(HTTPRoute)
    case grpcRoute(GRPCRoute)
    case service(Service)
    case endpointSlice(EndpointSlice)
    case referenceGrant(ReferenceGrant)
    case namespace(Namespace)
    case secret(Secret)
    /// A policy kind (or another kind decoded through `YAMLObjectDecoder`).
    case custom(any LoadedCustomResource)

    /// Identity used to detect duplicates: kind, then namespace (empty when cluster-scoped), then name.
    var identity: (kind: String, displayName: String) {
        switch self {
        case .gatewayClass(let resource): (GatewayClass.kind, resource.qualifiedName)
        case .gateway(let resource): (Gateway.kind, resource.qualifiedName)
        case .httpRoute(let resource): (HTTPRoute.kind, resource.qualifiedName)
        case .grpcRoute(let resource): (GRPCRoute.kind, resource.qualifiedName)
        case .service(let resource): (Service.kind, resource.qualifiedName)
        case .endpointSlice(let resource): (EndpointSlice.kind, resource.qualifiedName)
        case .referenceGrant(let resource): (ReferenceGrant.kind, resource.qualifiedName)
        case .namespace(let resource): (Namespace.kind, resource.qualifiedName)
        case .secret(let resource): (Secret.kind, resource.qualifiedName)
        case .custom(let resource): (type(of: resource).kind, resource.qualifiedName)
        }
    }
}

/// What one document turned into.
enum DocumentOutcome {
    /// A resource, and where its `metadata.name` is (duplicates are reported there).
    case resource(DecodedResource, nameLocation: SourceLocation)
    case ignored(IgnoredDocument)
    case invalid([LoadError])
    /// An object of a kind whose errors stay with the object (policies): it is set aside,
    /// and the rest of the configuration still applies.
    case rejected(RejectedObject)
}

enum DocumentDecoder {
    static let gatewayAPIVersions: Set<String> = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"]
    static let supportedKinds: Set<String> = [GatewayClass.kind, Gateway.kind, HTTPRoute.kind, GRPCRoute.kind, Service.kind, EndpointSlice.kind, ReferenceGrant.kind, Namespace.kind, Secret.kind]

    static func decode(_ document: YAMLDocument) -> DocumentOutcome {
        let diagnostics = DecodingDiagnostics()
        guard case .mapping(let entries) = document.root.content else {
            let error = LoadError(
                code: .wrongType,
                message: "expected a Kubernetes object (a mapping), got \(describe(document.root))",
                location: document.root.location
            )
            return .invalid(document.errors + [error])
        }
        let root = MappingReader(node: document.root, entries: entries, path: .root, diagnostics: diagnostics)
        let apiVersion = root.string("apiVersion", required: true)
        let kind = root.string("kind", required: true)
        let metadata = root.mapping("metadata", required: true)
        let location = document.root.location
        let nameLocation = metadata?.value("name")?.location ?? location

        func finish(_ resource: DecodedResource) -> DocumentOutcome {
            let errors = document.errors + diagnostics.errors
            return errors.isEmpty ? .resource(resource, nameLocation: nameLocation) : .invalid(errors)
        }
        func meta(namespaced: Bool, nameProblem: @escaping (String) -> String?) -> ObjectMeta {
            metadata.map { ObjectMeta.decode($0, namespaced: namespaced, nameProblem: nameProblem) } ?? ObjectMeta(name: "")
        }

        guard let apiVersion, let kind else {
            _ = metadata?.string("name", required: true)
            return .invalid(document.errors + diagnostics.errors)
        }

        // The policy kinds: `spec` decoded by `YAMLObjectDecoder`.
        if let specType = CustomResourceKinds.spec(kind: kind, apiVersion: apiVersion) {
            return decodeCustomResource(specType, document: document, root: root, apiVersion: apiVersion, diagnostics: diagnostics)
        }

        switch kind {
        case GatewayClass.kind where gatewayAPIVersions.contains(apiVersion):
            let metadata = meta(namespaced: false, nameProblem: NameSyntax.dnsSubdomainProblem)
            let spec = root.mapping("spec", required: true).map(GatewayClassSpec.decode)
            return finish(.gatewayClass(GatewayClass(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? GatewayClassSpec(controllerName: "", description: nil, parametersRef: nil),
                location: location,
                documentIndex: document.index
            )))
        case Gateway.kind where gatewayAPIVersions.contains(apiVersion):
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let spec = root.mapping("spec", required: true).map(GatewaySpec.decode)
            return finish(.gateway(Gateway(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? GatewaySpec(gatewayClassName: "", listeners: [], addresses: []),
                location: location,
                documentIndex: document.index
            )))
        case HTTPRoute.kind where gatewayAPIVersions.contains(apiVersion):
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let spec = root.mapping("spec", required: true).map(HTTPRouteSpec.decode)
            return finish(.httpRoute(HTTPRoute(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? HTTPRouteSpec(parentRefs: [], hostnames: [], rules: []),
                location: location,
                documentIndex: document.index
            )))
        case GRPCRoute.kind where apiVersion == "gateway.networking.k8s.io/v1":
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let spec = root.mapping("spec", required: true).map(GRPCRouteSpec.decode)
            return finish(.grpcRoute(GRPCRoute(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? GRPCRouteSpec(),
                location: location,
                documentIndex: document.index
            )))
        case Service.kind where apiVersion == "v1":
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dns1035LabelProblem)
            let spec = root.mapping("spec", required: true).map(ServiceSpec.decode)
            return finish(.service(Service(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? ServiceSpec(type: .clusterIP, clusterIP: nil, externalName: nil, selector: [:], ports: []),
                location: location,
                documentIndex: document.index
            )))
        case Secret.kind where apiVersion == "v1":
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let (type, data) = Secret.decodeBody(root)
            return finish(.secret(Secret(
                apiVersion: apiVersion,
                metadata: metadata,
                type: type,
                data: data,
                location: location,
                documentIndex: document.index
            )))
        case EndpointSlice.kind where apiVersion == "discovery.k8s.io/v1":
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let (addressType, endpoints, ports) = EndpointSlice.decodeBody(root)
            return finish(.endpointSlice(EndpointSlice(
                apiVersion: apiVersion,
                metadata: metadata,
                addressType: addressType,
                endpoints: endpoints,
                ports: ports,
                location: location,
                documentIndex: document.index
            )))
        case ReferenceGrant.kind where apiVersion == "gateway.networking.k8s.io/v1beta1" || apiVersion == "gateway.networking.k8s.io/v1":
            let metadata = meta(namespaced: true, nameProblem: NameSyntax.dnsSubdomainProblem)
            let spec = root.mapping("spec", required: true).map(ReferenceGrantSpec.decode)
            return finish(.referenceGrant(ReferenceGrant(
                apiVersion: apiVersion,
                metadata: metadata,
                spec: spec ?? ReferenceGrantSpec(from: [], to: []),
                location: location,
                documentIndex: document.index
            )))
        case Namespace.kind where apiVersion == "v1":
            let metadata = meta(namespaced: false, nameProblem: NameSyntax.dnsLabelProblem)
            // spec.finalizers and status are the API server's business.
            _ = root.mapping("spec")?.list("finalizers")
            return finish(.namespace(Namespace(apiVersion: apiVersion, metadata: metadata, location: location, documentIndex: document.index)))
        default:
            // Unsupported kinds still need the identity every Kubernetes object has.
            let name = metadata?.string("name", required: true) ?? ""
            let namespace = metadata?.string("namespace")
            let errors = document.errors + diagnostics.errors
            guard errors.isEmpty else { return .invalid(errors) }
            let reason = supportedKinds.contains(kind)
                ? "apiVersion \(apiVersion) is not supported for kind \(kind)"
                : "kind \(kind) is not supported yet"
            return .ignored(IgnoredDocument(
                apiVersion: apiVersion,
                kind: kind,
                name: name,
                namespace: namespace,
                location: location,
                documentIndex: document.index,
                reason: reason
            ))
        }
    }
}
