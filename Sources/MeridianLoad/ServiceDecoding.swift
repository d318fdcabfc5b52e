// Decoding and validation of core/v1 Service specs, following the API server's rules
// for the fields the control plane uses.

extension Service {
    /// Decodes a core/v1 Service document (`KnownKinds`); `status` is ignored.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        document.root.ignore("status")
        return .service(Service(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced, nameProblem: NameSyntax.dns1035LabelProblem),
            spec: document.spec().map(ServiceSpec.decode) ?? ServiceSpec(type: .clusterIP, clusterIP: nil, externalName: nil, selector: [:], ports: []),
            location: document.location,
            documentIndex: document.index
        ))
    }
}

extension ServiceSpec {
    static func decode(_ spec: MappingReader) -> ServiceSpec {
        // What kube-proxy, load balancers and the IP allocator act on: the Gateway sends
        // to the Service's endpoints (or its DNS name) and has no use for them.
        spec.ignore(
            "clusterIPs", "externalIPs", "sessionAffinity", "sessionAffinityConfig", "loadBalancerIP",
            "loadBalancerSourceRanges", "loadBalancerClass", "externalTrafficPolicy", "internalTrafficPolicy",
            "healthCheckNodePort", "publishNotReadyAddresses", "ipFamilies", "ipFamilyPolicy",
            "allocateLoadBalancerNodePorts", "trafficDistribution"
        )
        let type: ServiceType = spec.enumValue("type") ?? .clusterIP
        let clusterIP = spec.string("clusterIP", allowEmpty: true, problem: { value in
            if value.isEmpty || value == "None" || IPAddressSyntax.isIPv4(value) || IPAddressSyntax.isIPv6(value) { return nil }
            return "\(quoted(value)) must be an IP address, \"None\" or empty"
        })
        let externalName = spec.string("externalName", problem: NameSyntax.dnsSubdomainProblem)
        if type == .externalName && externalName == nil && !spec.has("externalName") {
            spec.reportMissing("externalName", "required when type is ExternalName")
        }
        let selector = spec.stringMap(
            "selector",
            keyProblem: NameSyntax.qualifiedNameProblem,
            valueProblem: NameSyntax.labelValueProblem
        )

        let isHeadless = clusterIP == "None"
        let portItems = spec.list("ports") ?? []
        if portItems.isEmpty && type != .externalName && !isHeadless {
            if let portsReader = spec.value("ports") {
                portsReader.report(.tooFew, "must have at least 1 item")
            } else {
                spec.reportMissing("ports")
            }
        }
        var ports: [ServicePort] = []
        var firstLineOfName: [String: Int] = [:]
        var firstLineOfPort: [String: Int] = [:]
        for item in portItems {
            guard let mapping = item.mapping() else { continue }
            let port = ServicePort.decode(mapping, requireName: portItems.count > 1)
            if let name = port.name, let nameReader = mapping.value("name") {
                if let firstLine = firstLineOfName[name] {
                    nameReader.report(.duplicateEntry, "duplicate port name \(quoted(name)) (first at line \(firstLine))")
                } else {
                    firstLineOfName[name] = nameReader.location.line
                }
            }
            let key = "\(port.port)/\(port.protocol.rawValue)"
            if port.port > 0, let portReader = mapping.value("port") {
                if let firstLine = firstLineOfPort[key] {
                    portReader.report(.duplicateEntry, "duplicate port \(port.port)/\(port.protocol.rawValue) (first at line \(firstLine))")
                } else {
                    firstLineOfPort[key] = portReader.location.line
                }
            }
            ports.append(port)
        }
        return ServiceSpec(type: type, clusterIP: clusterIP, externalName: externalName, selector: selector, ports: ports)
    }
}

extension ServicePort {
    static func decode(_ mapping: MappingReader, requireName: Bool) -> ServicePort {
        mapping.ignore("nodePort")
        let name = mapping.string("name", problem: NameSyntax.dnsLabelProblem)
        if requireName && !mapping.has("name") {
            mapping.reportMissing("name", "required when the Service has more than one port")
        }
        let port = mapping.int("port", required: true, range: 1...65535) ?? 0
        var targetPort = ServiceTargetPort.number(port)
        if let reader = mapping.value("targetPort"), case .scalar(let scalar) = reader.node.content {
            // IntOrString: the YAML type decides, so `"8080"` is a (invalid) port name, as in Kubernetes.
            if case .integer = YAMLScalarResolution.resolve(scalar, tag: reader.node.tag) {
                if let number = reader.int(in: 1...65535) { targetPort = .number(number) }
            } else if let portName = reader.string(problem: NameSyntax.ianaServiceNameProblem) {
                targetPort = .name(portName)
            }
        } else if let reader = mapping.value("targetPort") {
            reader.report(.wrongType, "expected an integer or a string, got \(describe(reader.node))")
        }
        return ServicePort(
            name: name,
            port: port,
            targetPort: targetPort,
            protocol: mapping.enumValue("protocol") ?? .tcp,
            appProtocol: mapping.string("appProtocol")
        )
    }
}
