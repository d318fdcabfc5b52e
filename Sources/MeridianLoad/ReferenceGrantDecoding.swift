// Decoding of gateway.networking.k8s.io ReferenceGrants (v1beta1, v1).

extension ReferenceGrant {
    /// Decodes a ReferenceGrant document (`KnownKinds`); the kind has no `status`.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        .referenceGrant(ReferenceGrant(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            spec: document.spec().map(ReferenceGrantSpec.decode) ?? ReferenceGrantSpec(from: [], to: []),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension ReferenceGrantSpec {
    static let maxEntries = 16

    static func decode(_ spec: MappingReader) -> ReferenceGrantSpec {
        var from: [ReferenceGrantFrom] = []
        for item in spec.list("from", required: true, minItems: 1, maxItems: maxEntries) ?? [] {
            guard let entry = item.mapping() else { continue }
            from.append(ReferenceGrantFrom(
                group: entry.string("group", required: true, allowEmpty: true, problem: NameSyntax.groupProblem) ?? "",
                kind: entry.string("kind", required: true, problem: NameSyntax.kindProblem) ?? "",
                namespace: entry.string("namespace", required: true, problem: NameSyntax.dnsLabelProblem) ?? ""
            ))
        }
        var to: [ReferenceGrantTo] = []
        for item in spec.list("to", required: true, minItems: 1, maxItems: maxEntries) ?? [] {
            guard let entry = item.mapping() else { continue }
            to.append(ReferenceGrantTo(
                group: entry.string("group", required: true, allowEmpty: true, problem: NameSyntax.groupProblem) ?? "",
                kind: entry.string("kind", required: true, problem: NameSyntax.kindProblem) ?? "",
                name: entry.string("name", problem: NameSyntax.dnsSubdomainProblem)
            ))
        }
        return ReferenceGrantSpec(from: from, to: to)
    }
}
