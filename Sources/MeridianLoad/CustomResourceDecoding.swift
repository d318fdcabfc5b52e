// Documents of the kinds decoded through `YAMLObjectDecoder`: found by kind, checked for
// the right apiVersion, with metadata read as for every kind and `spec` decoded generically.

/// Every kind loaded as a `CustomResource`.
enum CustomResourceKinds {
    static let all: [any CustomResourceSpec.Type] = [
        RetryPolicySpec.self, CircuitBreakerPolicySpec.self, RateLimitPolicySpec.self,
        ConnectionPoolSettingsSpec.self, GatewayClassConfigSpec.self,
        TrafficPolicySpec.self, BackendConfigPolicySpec.self, BackendSpec.self, DirectResponseSpec.self,
        BackendLBPolicySpec.self, BackendTLSPolicySpec.self,
    ]
}

/// A decoded `CustomResource` of any kind, as the loader collects it.
protocol LoadedCustomResource: KubernetesResource {
    /// Appends the object to its kind's list.
    func add(to configuration: inout LoadedConfiguration)
}

extension CustomResource: LoadedCustomResource {
    func add(to configuration: inout LoadedConfiguration) {
        configuration[keyPath: Spec.loadedObjects].append(self)
    }
}

extension DocumentDecoder {
    /// Decodes a document of a `CustomResource` kind; `root` is the document's mapping.
    static func decodeCustomResource<Spec: CustomResourceSpec>(
        _ type: Spec.Type,
        document: YAMLDocument,
        root: MappingReader,
        apiVersion: String,
        diagnostics: DecodingDiagnostics
    ) -> DocumentOutcome {
        // `status` is written by controllers and ignored.
        root.ignore("status")
        let metadataReader = root.mapping("metadata", required: true)
        let metadata = metadataReader.map { ObjectMeta.decode($0, namespaced: Spec.isNamespaced, nameProblem: NameSyntax.dnsSubdomainProblem) }
        var spec: Spec?
        if let specReader = root.value("spec") {
            spec = specReader.decode(Spec.self)
        } else {
            root.reportMissing("spec")
        }
        diagnostics.reportUnknownFields()
        let errors = diagnostics.errors
        guard errors.isEmpty, let metadata, let spec else {
            // An object whose identity is readable is set aside on its own: a broken policy
            // must not stop the rest of the configuration from being served.
            guard let metadata, !metadata.name.isEmpty, !errors.isEmpty else { return .invalid(errors) }
            return .rejected(RejectedObject(
                apiVersion: apiVersion, kind: Spec.kind, name: metadata.name, namespace: metadata.namespace,
                location: document.root.location, errors: errors.map(\.setAside)
            ))
        }
        let resource = CustomResource(
            apiVersion: apiVersion,
            metadata: metadata,
            spec: spec,
            location: document.root.location,
            documentIndex: document.index
        )
        return .resource(.custom(resource), nameLocation: metadataReader?.value("name")?.location ?? document.root.location)
    }
}

