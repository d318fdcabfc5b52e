// Turns one YAML document into a typed resource, an ignored document, or errors.
// apiVersion and kind choose the decoder (`KnownKinds`); everything else about a kind
// lives in its own *Decoding.swift file, or, for the policy kinds, in its `Decodable`
// model and `validate` (CustomResourceDecoding.swift). Every kind is read strictly: a
// field it does not have is an error (`DecodingDiagnostics.reportUnknownFields`).

/// A successfully decoded resource of a supported kind.
enum DecodedResource {
    case gatewayClass(GatewayClass)
    case gateway(Gateway)
    case listenerSet(ListenerSet)
    case httpRoute(HTTPRoute)
    case grpcRoute(GRPCRoute)
    case service(Service)
    case endpointSlice(EndpointSlice)
    case referenceGrant(ReferenceGrant)
    case namespace(Namespace)
    case secret(Secret)
    case configMap(ConfigMap)
    /// A policy kind (or another kind decoded through `YAMLObjectDecoder`).
    case custom(any LoadedCustomResource)

    /// The decoded object, whatever its kind.
    var object: any KubernetesResource {
        switch self {
        case .gatewayClass(let resource): resource
        case .gateway(let resource): resource
        case .listenerSet(let resource): resource
        case .httpRoute(let resource): resource
        case .grpcRoute(let resource): resource
        case .service(let resource): resource
        case .endpointSlice(let resource): resource
        case .referenceGrant(let resource): resource
        case .namespace(let resource): resource
        case .secret(let resource): resource
        case .configMap(let resource): resource
        case .custom(let resource): resource
        }
    }

    /// Identity used to detect duplicates: kind, then namespace (empty when cluster-scoped), then name.
    var identity: (kind: String, displayName: String) {
        (type(of: object).kind, object.qualifiedName)
    }

    /// The object set aside with `errors`.
    func rejected(errors: [LoadError], at location: SourceLocation) -> RejectedObject {
        RejectedObject(
            apiVersion: object.apiVersion, kind: type(of: object).kind, name: object.metadata.name,
            namespace: object.metadata.namespace, location: location, errors: errors
        )
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

/// Turns one YAML document into an outcome; `KnownKinds` chooses the decoder.
enum DocumentDecoder {
    static func decode(_ document: YAMLDocument, limits: LoadLimits = LoadLimits()) -> DocumentOutcome {
        let diagnostics = DecodingDiagnostics(limit: limits.maxErrorsPerDocument, errors: document.errors)
        guard case .mapping(let entries) = document.root.content else {
            // Never quoted: a bare string may well be a token file linked here by mistake.
            diagnostics.report(
                .notAnObject,
                "not a Kubernetes object: the document is \(shape(of: document.root)), not a mapping with apiVersion and kind",
                at: document.root.location,
                path: nil
            )
            return .invalid(diagnostics.errors)
        }
        let root = MappingReader(node: document.root, entries: entries, path: .root, diagnostics: diagnostics)
        if !root.has("apiVersion") && !root.has("kind") {
            diagnostics.report(.notAnObject, "not a Kubernetes object: the document has neither apiVersion nor kind", at: document.root.location, path: nil)
            return .invalid(diagnostics.errors)
        }
        let apiVersion = root.string("apiVersion", required: true)
        let kind = root.string("kind", required: true)
        let metadata = root.mapping("metadata", required: true)
        guard let apiVersion, let kind else {
            _ = metadata?.string("name", required: true)
            return .invalid(diagnostics.errors)
        }

        switch KnownKinds.match(kind: kind, apiVersion: apiVersion) {
        case .handDecoded(let known):
            let resource = known.decode(KindDocument(document: document, root: root, apiVersion: apiVersion, metadata: metadata))
            diagnostics.reportUnknownFields()
            let errors = diagnostics.errors
            let nameLocation = metadata?.value("name")?.location ?? document.root.location
            guard !errors.isEmpty else { return .resource(resource, nameLocation: nameLocation) }
            // An object whose identity is readable is set aside on its own; the rest is served.
            guard !resource.object.metadata.name.isEmpty else { return .invalid(errors) }
            return .rejected(resource.rejected(errors: errors.map(\.setAside), at: document.root.location))
        case .custom(let spec):
            return decodeCustomResource(spec, document: document, root: root, apiVersion: apiVersion, diagnostics: diagnostics)
        case .unsupportedVersion(let supported):
            root.value("apiVersion")?.report(
                .unsupportedKind,
                "apiVersion \(brief(apiVersion)) is not supported for kind \(brief(kind)); supported: \(supported.joined(separator: ", "))"
            )
            return .invalid(diagnostics.errors)
        case .unknownKind(let group, let supported):
            // One edit at most: TLSRoute is a kind of its own, not a misspelt HTTPRoute.
            let suggestion = FieldSuggestion.nearest(to: kind, in: supported, maxDistance: 1).map { "did you mean \($0)? " } ?? ""
            root.value("kind")?.report(
                .unsupportedKind,
                "kind \(brief(kind)) is not one Meridian reads in \(group); \(suggestion)supported kinds: \(supported.joined(separator: ", "))"
            )
            return .invalid(diagnostics.errors)
        case .otherGroup:
            // Still a Kubernetes object: it needs the identity every object has.
            let name = metadata?.string("name", required: true) ?? ""
            let namespace = metadata?.string("namespace")
            let errors = diagnostics.errors
            guard errors.isEmpty else { return .invalid(errors) }
            return .ignored(IgnoredDocument(
                apiVersion: apiVersion,
                kind: kind,
                name: name,
                namespace: namespace,
                location: document.root.location,
                documentIndex: document.index,
                reason: "Meridian does not read \(brief(apiVersion)) \(brief(kind)) objects"
            ))
        }
    }

    /// "a string", "a list", "a number"... for a document that is not a mapping.
    private static func shape(of node: YAMLNode) -> String {
        guard case .scalar(let scalar) = node.content else { return "a list" }
        switch YAMLScalarResolution.resolve(scalar, tag: node.tag) {
        case .null: return "empty"
        case .bool, .yaml11Bool: return "a boolean"
        case .integer, .ambiguousInteger, .float: return "a number"
        case .string: return "a string"
        }
    }
}
