// Decoding of a Gateway's `spec.tls.frontend`, with the CRD's rules.

extension FrontendTLSConfig {
    static func decode(_ mapping: MappingReader) -> FrontendTLSConfig {
        // `default` is required, though it may be empty (`default: {}` validates nothing).
        let defaultValidation = mapping.mapping("default", required: true)
            .flatMap { $0.mapping("validation") }
            .map(FrontendTLSValidation.decode)
        var perPort: [FrontendTLSPortConfig] = []
        for item in mapping.list("perPort", maxItems: 64) ?? [] {
            guard let entry = item.mapping() else { continue }
            let port = entry.int("port", required: true, range: 1...65_535)
            let validation = entry.mapping("tls", required: true)
                .flatMap { $0.mapping("validation") }
                .map(FrontendTLSValidation.decode)
            guard let port else { continue }
            // The CRD's rule, in its words: the list is a map keyed by port.
            if perPort.contains(where: { $0.port == port }), let reader = entry.value("port") {
                reader.report(.duplicateEntry, "Port for TLS configuration must be unique within the Gateway (port \(port) is listed twice)")
                continue
            }
            perPort.append(FrontendTLSPortConfig(port: port, validation: validation))
        }
        return FrontendTLSConfig(defaultValidation: defaultValidation, perPort: perPort)
    }
}

extension FrontendTLSValidation {
    static func decode(_ mapping: MappingReader) -> FrontendTLSValidation {
        let references = (mapping.list("caCertificateRefs", required: true, minItems: 1, maxItems: 16) ?? []).compactMap { item in
            item.mapping().map { reference -> SecretObjectReference in
                // An `ObjectReference`: group (which may be empty), kind and name are required.
                let local = LocalObjectReference.decode(reference)
                return SecretObjectReference(group: local.group, kind: local.kind, name: local.name, namespace: reference.referenceNamespace())
            }
        }
        let mode: FrontendValidationMode = mapping.enumValue("mode") ?? .allowValidOnly
        return FrontendTLSValidation(caCertificateRefs: references, mode: mode)
    }
}
