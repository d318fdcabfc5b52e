// Decoding of ListenerSet documents, following the upstream CRD schema and its CEL rules
// (the same listener rules as a Gateway's).

extension ListenerSet {
    static let maxListeners = 64

    /// Decodes a ListenerSet document (`KnownKinds`); `status` is ignored.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        let metadata = document.meta(namespaced: isNamespaced)
        var spec = ListenerSetSpec(parentRef: ParentGatewayReference(name: "", source: FieldSource(document.root)), listeners: [])
        if let mapping = document.spec() {
            if let parent = mapping.mapping("parentRef", required: true) {
                spec.parentRef = ParentGatewayReference.decode(parent)
            }
            spec.listeners = Listener.decodeList(mapping, maxItems: maxListeners)
        }
        return .listenerSet(ListenerSet(
            apiVersion: document.apiVersion,
            metadata: metadata,
            spec: spec,
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension ParentGatewayReference {
    static func decode(_ mapping: MappingReader) -> ParentGatewayReference {
        ParentGatewayReference(
            group: mapping.referenceGroup(default: "gateway.networking.k8s.io"),
            kind: mapping.referenceKind(default: "Gateway"),
            name: mapping.referenceName(),
            namespace: mapping.referenceNamespace(),
            source: FieldSource(mapping)
        )
    }
}
