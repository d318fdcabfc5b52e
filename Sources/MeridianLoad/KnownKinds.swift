// The kinds Meridian reads, in one place. A document's apiVersion and kind choose its
// decoder here; a kind or version Meridian does not read is an error when its API group
// is one Meridian reads, and an ignored document otherwise.
//
// To read a new kind: add it to `KnownKinds.handDecoded` (a kind decoded by hand from its
// `MappingReader`, with a case in `DecodedResource`) or to `CustomResourceKinds.all` (a
// `Decodable` spec). Everything else here follows from those two lists.

/// A kind whose documents are decoded by hand, in its own `*Decoding.swift`.
struct HandDecodedKind: Sendable {
    let kind: String
    /// The apiVersions (`group/version`, `v1` for the core group) the kind is read from.
    let apiVersions: [String]
    /// Decodes a document of the kind; problems go to the document's diagnostics.
    let decode: @Sendable (KindDocument) -> DecodedResource
}

/// A document of a known kind, as its decoder gets it.
struct KindDocument {
    let document: YAMLDocument
    /// The document's root mapping.
    let root: MappingReader
    let apiVersion: String
    /// `metadata`, already required (nil, and reported, when missing).
    let metadata: MappingReader?

    /// Where the document's root mapping starts.
    var location: SourceLocation { document.root.location }
    /// 0-based index of the document in its file.
    var index: Int { document.index }

    /// The object's metadata; `nameProblem` applies the kind's naming rule.
    func meta(namespaced: Bool, nameProblem: @escaping (String) -> String? = NameSyntax.dnsSubdomainProblem) -> ObjectMeta {
        metadata.map { ObjectMeta.decode($0, namespaced: namespaced, nameProblem: nameProblem) } ?? ObjectMeta(name: "")
    }

    /// The required `spec`.
    func spec() -> MappingReader? {
        root.mapping("spec", required: true)
    }
}

/// Every kind Meridian reads, and what any other document is.
enum KnownKinds {
    static let gatewayAPIVersions = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"]

    /// The kinds decoded by hand.
    static let handDecoded: [HandDecodedKind] = [
        HandDecodedKind(kind: GatewayClass.kind, apiVersions: gatewayAPIVersions, decode: GatewayClass.decodeDocument),
        HandDecodedKind(kind: Gateway.kind, apiVersions: gatewayAPIVersions, decode: Gateway.decodeDocument),
        HandDecodedKind(kind: ListenerSet.kind, apiVersions: ["gateway.networking.k8s.io/v1"], decode: ListenerSet.decodeDocument),
        HandDecodedKind(kind: HTTPRoute.kind, apiVersions: gatewayAPIVersions, decode: HTTPRoute.decodeDocument),
        HandDecodedKind(kind: GRPCRoute.kind, apiVersions: ["gateway.networking.k8s.io/v1"], decode: GRPCRoute.decodeDocument),
        HandDecodedKind(kind: ReferenceGrant.kind, apiVersions: ["gateway.networking.k8s.io/v1beta1", "gateway.networking.k8s.io/v1"], decode: ReferenceGrant.decodeDocument),
        HandDecodedKind(kind: Service.kind, apiVersions: ["v1"], decode: Service.decodeDocument),
        HandDecodedKind(kind: Secret.kind, apiVersions: ["v1"], decode: Secret.decodeDocument),
        HandDecodedKind(kind: ConfigMap.kind, apiVersions: ["v1"], decode: ConfigMap.decodeDocument),
        HandDecodedKind(kind: Namespace.kind, apiVersions: ["v1"], decode: Namespace.decodeDocument),
        HandDecodedKind(kind: EndpointSlice.kind, apiVersions: ["discovery.k8s.io/v1"], decode: EndpointSlice.decodeDocument),
    ]

    /// Every kind read, with its apiVersions: the hand-decoded ones, then the `Decodable` ones.
    static let all: [(kind: String, apiVersions: [String])] =
        handDecoded.map { ($0.kind, $0.apiVersions) } + CustomResourceKinds.all.map { ($0.kind, $0.apiVersions) }

    /// The API groups Meridian reads as a whole (every group of a kind read, except the core
    /// group, whose many kinds Meridian mostly does not read): a kind of one of these groups
    /// that is not in `all` is an error, not an ignored document.
    static let groups: Set<String> = Set(all.flatMap { $0.apiVersions.map(group(of:)) }).subtracting([""])

    /// What a document of `kind` and `apiVersion` is.
    enum Match {
        case handDecoded(HandDecodedKind)
        case custom(any CustomResourceSpec.Type)
        /// A kind Meridian reads, written with an apiVersion of a group it reads but not one it supports.
        case unsupportedVersion(supported: [String])
        /// A kind Meridian does not read, in a group it reads: the kinds it does read there.
        case unknownKind(group: String, supported: [String])
        /// A kind of a group Meridian does not read (a Deployment), or a core kind it does not read: ignored.
        case otherGroup
    }

    static func match(kind: String, apiVersion: String) -> Match {
        if let known = handDecoded.first(where: { $0.kind == kind && $0.apiVersions.contains(apiVersion) }) {
            return .handDecoded(known)
        }
        if let spec = CustomResourceKinds.all.first(where: { $0.kind == kind && $0.apiVersions.contains(apiVersion) }) {
            return .custom(spec)
        }
        let group = group(of: apiVersion)
        let sameName = all.filter { $0.kind == kind }
        let versions = sameName.flatMap(\.apiVersions)
        // The core group has no kind of these names but Service: `v1` with `HTTPRoute` is a
        // forgotten group, not another product's HTTPRoute.
        if !versions.isEmpty, group.isEmpty || groups.contains(group) || versions.contains(where: { Self.group(of: $0) == group }) {
            return .unsupportedVersion(supported: versions)
        }
        if groups.contains(group) {
            let supported = all.filter { $0.apiVersions.contains { Self.group(of: $0) == group } }.map(\.kind)
            return .unknownKind(group: group, supported: Array(Set(supported)).sorted())
        }
        return .otherGroup
    }

    /// `gateway.kgateway.dev` for `gateway.kgateway.dev/v1alpha1`; `""` for the core `v1`.
    static func group(of apiVersion: String) -> String {
        guard let slash = apiVersion.lastIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }
}

extension GRPCRoute {
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        return .grpcRoute(GRPCRoute(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            spec: document.spec().map(GRPCRouteSpec.decode) ?? GRPCRouteSpec(),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension Secret {
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        let (type, data) = decodeBody(document.root)
        return .secret(Secret(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            type: type,
            data: data,
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension Namespace {
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        // spec.finalizers and status are the API server's business.
        _ = document.root.mapping("spec")?.list("finalizers")
        document.root.ignore("status")
        return .namespace(Namespace(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced, nameProblem: NameSyntax.dnsLabelProblem),
            location: document.location,
            documentIndex: document.index
        ))
    }
}
