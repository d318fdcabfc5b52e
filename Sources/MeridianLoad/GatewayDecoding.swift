// Decoding and validation of GatewayClass and Gateway specs, following the upstream
// CRD schemas and their CEL rules (gateway.networking.k8s.io standard channel).

extension GatewayClass {
    /// Decodes a GatewayClass document (`KnownKinds`); `status` is ignored.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        return .gatewayClass(GatewayClass(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            spec: document.spec().map(GatewayClassSpec.decode) ?? GatewayClassSpec(controllerName: ""),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension Gateway {
    /// Decodes a Gateway document (`KnownKinds`); `status` is ignored.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        return .gateway(Gateway(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            spec: document.spec().map(GatewaySpec.decode) ?? GatewaySpec(gatewayClassName: "", listeners: [], addresses: []),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension GatewayClassSpec {
    static func decode(_ spec: MappingReader) -> GatewayClassSpec {
        GatewayClassSpec(
            controllerName: spec.string("controllerName", required: true, problem: NameSyntax.controllerNameProblem) ?? "",
            description: spec.string("description", allowEmpty: true, maxLength: 64),
            parametersRef: spec.mapping("parametersRef").map(ParametersReference.decode)
        )
    }
}

extension GatewaySpec {
    static let maxListeners = 64
    static let maxAddresses = 16

    static func decode(_ spec: MappingReader) -> GatewaySpec {
        // Meridian deploys no proxies, so `infrastructure` has nothing to apply to.
        spec.ignore("infrastructure")
        spec.refuse("defaultScope")
        var backendTLS: GatewayBackendTLS?
        let frontendTLS = spec.mapping("tls").flatMap { tls -> FrontendTLSConfig? in
            backendTLS = tls.mapping("backend").map(GatewayBackendTLS.decode)
            return tls.mapping("frontend").map(FrontendTLSConfig.decode)
        }
        let gatewayClassName = spec.string("gatewayClassName", required: true, maxLength: NameSyntax.maxSubdomainLength) ?? ""
        let listeners = Listener.decodeList(spec, maxItems: maxListeners)

        var addresses: [GatewayAddress] = []
        var firstLineOfAddress: [String: Int] = [:]
        for item in spec.list("addresses", maxItems: maxAddresses) ?? [] {
            guard let mapping = item.mapping() else { continue }
            let address = GatewayAddress.decode(mapping)
            if let value = address.value, address.type == "IPAddress" || address.type == "Hostname", let valueReader = mapping.value("value") {
                let key = "\(address.type)|\(value)"
                if let firstLine = firstLineOfAddress[key] {
                    valueReader.report(.duplicateEntry, "duplicate \(address.type) \(quoted(value)) (first at line \(firstLine))")
                } else {
                    firstLineOfAddress[key] = valueReader.location.line
                }
            }
            addresses.append(address)
        }
        let infrastructure = spec.mapping("infrastructure").map(GatewayInfrastructure.decode)
        let allowedListeners = spec.mapping("allowedListeners").map(AllowedListeners.decode) ?? .none
        var decoded = GatewaySpec(
            gatewayClassName: gatewayClassName, listeners: listeners, addresses: addresses,
            infrastructure: infrastructure, allowedListeners: allowedListeners, frontendTLS: frontendTLS
        )
        decoded.backendTLS = backendTLS
        return decoded
    }
}

extension AllowedListeners {
    static func decode(_ mapping: MappingReader) -> AllowedListeners {
        guard let namespaces = mapping.mapping("namespaces") else { return .none }
        let from: ListenerSetNamespaces = namespaces.enumValue("from") ?? .none
        let selector = namespaces.mapping("selector").map(LabelSelector.decode)
        if from == .selector && selector == nil && !namespaces.has("selector") {
            namespaces.reportMissing("selector", "required when from is Selector")
        }
        return AllowedListeners(from: from, selector: selector)
    }
}

extension GatewayInfrastructure {
    static func decode(_ mapping: MappingReader) -> GatewayInfrastructure {
        func entries(_ key: String, max: Int) -> [String: String] {
            let map = mapping.stringMap(key, keyProblem: NameSyntax.qualifiedNameProblem, valueProblem: { value in
                value.count > 4096 ? "must be at most 4096 characters long" : nil
            })
            if map.count > max, let reader = mapping.value(key) {
                reader.report(.tooMany, "must have at most \(max) entries, got \(map.count)")
            }
            return map
        }
        var parameters = mapping.mapping("parametersRef").map(ParametersReference.decode)
        // A LocalParametersReference: the referent is in the Gateway's namespace.
        parameters?.namespace = nil
        return GatewayInfrastructure(labels: entries("labels", max: 8), annotations: entries("annotations", max: 16), parametersRef: parameters)
    }
}

extension GatewayAddress {
    static func decode(_ mapping: MappingReader) -> GatewayAddress {
        let type = mapping.string("type", maxLength: NameSyntax.maxSubdomainLength, problem: { type in
            if ["IPAddress", "Hostname", "NamedAddress"].contains(type) { return nil }
            if NameSyntax.isDomainPrefixedName(type, nameCharacters: { NameSyntax.isAlphanumeric($0) || "/-._~%!$&'()*+,;=:".utf8.contains($0) }) {
                return nil
            }
            return "unsupported address type \(quoted(type)); use IPAddress, Hostname, NamedAddress or a domain-prefixed type"
        }) ?? "IPAddress"
        let value = mapping.string("value", maxLength: NameSyntax.maxSubdomainLength, problem: { value in
            switch type {
            case "IPAddress":
                return IPAddressSyntax.isIPv4(value) || IPAddressSyntax.isIPv6(value) ? nil : "\(quoted(value)) is not an IP address"
            case "Hostname":
                guard let problem = NameSyntax.hostnameProblem(value) else { return nil }
                return problem
            default:
                return nil
            }
        })
        return GatewayAddress(type: type, value: value)
    }
}

extension Listener {
    /// A Gateway's or ListenerSet's `listeners`: names unique, and each port, protocol and
    /// host name combination used once (the CRDs' CEL rules).
    static func decodeList(_ spec: MappingReader, maxItems: Int) -> [Listener] {
        var listeners: [Listener] = []
        var firstLineOfName: [String: Int] = [:]
        var firstListenerOfCombination: [String: Listener] = [:]
        for item in spec.list("listeners", required: true, minItems: 1, maxItems: maxItems) ?? [] {
            guard let mapping = item.mapping() else { continue }
            let listener = Listener.decode(mapping)
            if let nameReader = mapping.value("name"), !listener.name.isEmpty {
                if let firstLine = firstLineOfName[listener.name] {
                    nameReader.report(.duplicateEntry, "duplicate listener name \(quoted(listener.name)) (first at line \(firstLine))")
                } else {
                    firstLineOfName[listener.name] = nameReader.location.line
                }
            }
            let combination = "\(listener.port)|\(listener.protocol.rawValue)|\(listener.hostname ?? "")|\(listener.hostname == nil)"
            if let first = firstListenerOfCombination[combination] {
                let hostname = listener.hostname.map { "hostname \(quoted($0))" } ?? "no hostname"
                mapping.report(
                    .duplicateEntry,
                    "port \(listener.port), protocol \(listener.protocol) and \(hostname) are already used by listener \(quoted(first.name)) (line \(first.source.location.line)); the combination must be unique"
                )
            } else {
                firstListenerOfCombination[combination] = listener
            }
            listeners.append(listener)
        }
        return listeners
    }

    static func decode(_ mapping: MappingReader) -> Listener {
        let name = mapping.string("name", required: true, problem: NameSyntax.sectionNameProblem) ?? ""
        let hostname = mapping.string("hostname", problem: NameSyntax.hostnameProblem)
        let port = mapping.int("port", required: true, range: 1...65535) ?? 0
        let listenerProtocol = mapping.string("protocol", required: true, maxLength: 255, problem: { text in
            ListenerProtocol(rawValue: text) == nil
                ? "invalid protocol \(quoted(text)): must be a name of letters, digits and '-' (HTTP, HTTPS, TLS, TCP, UDP, ...) or a domain-prefixed protocol such as \"example.com/custom\""
                : nil
        }).flatMap(ListenerProtocol.init(rawValue:))
        let tlsMapping = mapping.mapping("tls")
        let tls = tlsMapping.map(GatewayTLSConfig.decode)
        let allowedRoutes = mapping.mapping("allowedRoutes").map(AllowedRoutes.decode) ?? .default

        // Protocol-dependent rules from the Gateway CRD's CEL validations.
        switch listenerProtocol {
        case .http?, .tcp?, .udp?:
            if let tlsReader = mapping.value("tls") {
                tlsReader.reportInvalid("must not be set for protocol \(listenerProtocol!)")
            }
        case .https?, .tls?:
            if mapping.value("tls") == nil {
                mapping.reportMissing("tls", "required for protocol \(listenerProtocol!)")
            } else if listenerProtocol == .https, tls?.mode == .passthrough, let modeReader = tlsMapping?.value("mode") {
                modeReader.reportInvalid("must be Terminate for protocol HTTPS")
            }
        default:
            break
        }
        if listenerProtocol == .tcp || listenerProtocol == .udp, let hostnameReader = mapping.value("hostname") {
            hostnameReader.reportInvalid("must not be set for protocol \(listenerProtocol!)")
        }

        return Listener(
            name: name,
            hostname: hostname,
            port: port,
            protocol: listenerProtocol ?? .http,
            tls: tls,
            allowedRoutes: allowedRoutes,
            source: FieldSource(mapping)
        )
    }
}

extension GatewayTLSConfig {
    static func decode(_ mapping: MappingReader) -> GatewayTLSConfig {
        let mode: TLSMode = mapping.enumValue("mode") ?? .terminate
        var certificateRefs: [SecretObjectReference] = []
        let referenceItems = mapping.list("certificateRefs", maxItems: 64) ?? []
        for item in referenceItems {
            if let reference = item.mapping() {
                certificateRefs.append(SecretObjectReference.decode(reference))
            }
        }
        let options = mapping.stringMap("options", keyProblem: NameSyntax.qualifiedNameProblem, valueProblem: { value in
            value.count > 4096 ? "must be at most 4096 characters long" : nil
        })
        if options.count > 16, let reader = mapping.value("options") {
            reader.report(.tooMany, "must have at most 16 entries, got \(options.count)")
        }
        if mode == .terminate && referenceItems.isEmpty && options.isEmpty {
            let message = "certificateRefs or options must be specified when mode is Terminate"
            if let references = mapping.value("certificateRefs") {
                references.report(.tooFew, message)
            } else {
                mapping.reportMissing("certificateRefs", message)
            }
        }
        return GatewayTLSConfig(mode: mode, certificateRefs: certificateRefs, options: options)
    }
}

extension AllowedRoutes {
    static func decode(_ mapping: MappingReader) -> AllowedRoutes {
        var namespaces = AllowedRoutes.default.namespaces
        if let namespacesMapping = mapping.mapping("namespaces") {
            let from: FromNamespaces = namespacesMapping.enumValue("from") ?? .same
            let selector = namespacesMapping.mapping("selector").map(LabelSelector.decode)
            if from == .selector && selector == nil && !namespacesMapping.has("selector") {
                namespacesMapping.reportMissing("selector", "required when from is Selector")
            }
            namespaces = RouteNamespaces(from: from, selector: selector)
        }
        var kinds: [RouteGroupKind] = []
        for item in mapping.list("kinds", maxItems: 8) ?? [] {
            guard let kindMapping = item.mapping() else { continue }
            kinds.append(RouteGroupKind(
                group: kindMapping.referenceGroup(default: "gateway.networking.k8s.io"),
                kind: kindMapping.referenceKind(default: nil)
            ))
        }
        return AllowedRoutes(namespaces: namespaces, kinds: kinds)
    }
}
