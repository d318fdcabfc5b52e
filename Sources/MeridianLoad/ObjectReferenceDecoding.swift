// Decoding of the metadata and reference types shared by several kinds.

extension ObjectMeta {
    /// Decodes `metadata`; `nameProblem` applies the kind's naming rule.
    ///
    /// Every field of Kubernetes' `ObjectMeta` is known: those the API server or controllers
    /// write (`uid`, `resourceVersion`, `managedFields`...) are accepted and not used, as is
    /// `namespace` on a cluster-scoped kind (the API server drops it too).
    static func decode(_ metadata: MappingReader, namespaced: Bool, nameProblem: @escaping (String) -> String?) -> ObjectMeta {
        metadata.ignore(
            "generateName", "selfLink", "uid", "resourceVersion", "generation", "deletionTimestamp",
            "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields"
        )
        let name = metadata.string("name", required: true, problem: nameProblem) ?? ""
        var namespace: String?
        if namespaced {
            namespace = metadata.string("namespace", problem: NameSyntax.dnsLabelProblem) ?? "default"
        } else {
            metadata.ignore("namespace")
        }
        let labels = metadata.stringMap(
            "labels",
            keyProblem: NameSyntax.qualifiedNameProblem,
            valueProblem: NameSyntax.labelValueProblem
        )
        let annotations = metadata.stringMap("annotations", keyProblem: NameSyntax.qualifiedNameProblem)
        let annotationBytes = annotations.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        if annotationBytes > 256 * 1024, let reader = metadata.value("annotations") {
            reader.reportInvalid("must be at most 262144 bytes in total (got \(annotationBytes))")
        }
        let creationTimestamp = metadata.string("creationTimestamp", problem: NameSyntax.rfc3339Problem)
        return ObjectMeta(
            name: name,
            namespace: namespace,
            labels: labels,
            annotations: annotations,
            creationTimestamp: creationTimestamp,
            generation: metadata.int("generation", range: 1...Int(Int64.max))
        )
    }
}

extension MappingReader {
    /// The `group` of a reference: may be empty (the core group); `defaultGroup` when absent.
    func referenceGroup(default defaultGroup: String) -> String {
        string("group", allowEmpty: true, problem: NameSyntax.groupProblem) ?? defaultGroup
    }

    /// A required or defaulted `kind` of a reference.
    func referenceKind(default defaultKind: String?) -> String {
        string("kind", required: defaultKind == nil, problem: NameSyntax.kindProblem) ?? defaultKind ?? ""
    }

    /// The `name` of a reference (Gateway API `ObjectName`: 1 to 253 characters).
    func referenceName() -> String {
        string("name", required: true, maxLength: NameSyntax.maxSubdomainLength) ?? ""
    }

    /// The optional `namespace` of a reference.
    func referenceNamespace() -> String? {
        string("namespace", problem: NameSyntax.dnsLabelProblem)
    }
}

extension BackendObjectReference {
    /// Decodes a `BackendObjectReference`; a Service reference must name a port.
    static func decode(_ mapping: MappingReader) -> BackendObjectReference {
        let reference = BackendObjectReference(
            group: mapping.referenceGroup(default: ""),
            kind: mapping.referenceKind(default: "Service"),
            name: mapping.referenceName(),
            namespace: mapping.referenceNamespace(),
            port: mapping.int("port", range: 1...65535)
        )
        if reference.group.isEmpty && reference.kind == "Service" && !mapping.has("port") {
            mapping.reportMissing("port", "required when referring to a Service")
        }
        return reference
    }
}

extension SecretObjectReference {
    /// Decodes a certificate reference (`group` defaults to core, `kind` to `Secret`).
    static func decode(_ mapping: MappingReader) -> SecretObjectReference {
        SecretObjectReference(
            group: mapping.referenceGroup(default: ""),
            kind: mapping.referenceKind(default: "Secret"),
            name: mapping.referenceName(),
            namespace: mapping.referenceNamespace()
        )
    }
}

extension LocalObjectReference {
    /// Decodes a reference whose group, kind and name are all required (group may be empty).
    static func decode(_ mapping: MappingReader) -> LocalObjectReference {
        let group = mapping.value("group") == nil ? nil : mapping.referenceGroup(default: "")
        if group == nil { mapping.reportMissing("group") }
        return LocalObjectReference(
            group: group ?? "",
            kind: mapping.referenceKind(default: nil),
            name: mapping.referenceName()
        )
    }
}

extension ParametersReference {
    /// Decodes a GatewayClass `parametersRef`.
    static func decode(_ mapping: MappingReader) -> ParametersReference {
        let local = LocalObjectReference.decode(mapping)
        return ParametersReference(
            group: local.group,
            kind: local.kind,
            name: local.name,
            namespace: mapping.referenceNamespace()
        )
    }
}

extension LabelSelector {
    /// Decodes a label selector, checking operators and their values as Kubernetes does.
    static func decode(_ mapping: MappingReader) -> LabelSelector {
        let matchLabels = mapping.stringMap(
            "matchLabels",
            keyProblem: NameSyntax.qualifiedNameProblem,
            valueProblem: NameSyntax.labelValueProblem
        )
        var expressions: [LabelSelectorRequirement] = []
        for item in mapping.list("matchExpressions") ?? [] {
            guard let requirement = item.mapping() else { continue }
            let key = requirement.string("key", required: true, problem: NameSyntax.qualifiedNameProblem) ?? ""
            let op: LabelSelectorOperator? = requirement.enumValue("operator", required: true)
            var values: [String] = []
            for valueItem in requirement.list("values") ?? [] {
                if let value = valueItem.string(allowEmpty: true, problem: NameSyntax.labelValueProblem) {
                    values.append(value)
                }
            }
            switch op {
            case .in?, .notIn?:
                if values.isEmpty {
                    requirement.reportMissing("values", "must be non-empty when operator is \(op!.rawValue)")
                }
            case .exists?, .doesNotExist?:
                if !values.isEmpty, let reader = requirement.value("values") {
                    reader.reportInvalid("must be empty when operator is \(op!.rawValue)")
                }
            case nil:
                break
            }
            expressions.append(LabelSelectorRequirement(key: key, operator: op ?? .exists, values: values))
        }
        return LabelSelector(matchLabels: matchLabels, matchExpressions: expressions)
    }
}

extension FieldSource {
    /// The source of a node being decoded.
    init(_ reader: NodeReader) {
        self.init(location: reader.location, fieldPath: reader.path.description)
    }

    /// The source of a mapping being decoded.
    init(_ reader: MappingReader) {
        self.init(location: reader.location, fieldPath: reader.path.description)
    }
}
