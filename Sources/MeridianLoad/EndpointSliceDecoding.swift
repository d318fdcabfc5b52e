// Decoding and validation of discovery.k8s.io/v1 EndpointSlices, following the API
// server's rules for the fields the control plane uses.

extension EndpointSlice {
    static let maxEndpoints = 1000
    static let maxAddresses = 100
    static let maxPorts = 100

    /// Decodes an EndpointSlice document (`KnownKinds`): no `spec`, no `status`.
    static func decodeDocument(_ document: KindDocument) -> DecodedResource {
        let (addressType, endpoints, ports) = decodeBody(document.root)
        return .endpointSlice(EndpointSlice(
            apiVersion: document.apiVersion,
            metadata: document.meta(namespaced: isNamespaced),
            addressType: addressType,
            endpoints: endpoints,
            ports: ports,
            location: document.location,
            documentIndex: document.index
        ))
    }

    /// Decodes the slice's top-level fields (EndpointSlices have no `spec`).
    static func decodeBody(_ root: MappingReader) -> (EndpointAddressType, [Endpoint], [EndpointPort]) {
        let addressType: EndpointAddressType? = root.enumValue("addressType", required: true)

        var endpoints: [Endpoint] = []
        for item in root.list("endpoints", maxItems: maxEndpoints) ?? [] {
            guard let mapping = item.mapping() else { continue }
            endpoints.append(Endpoint.decode(mapping, addressType: addressType))
        }

        var ports: [EndpointPort] = []
        var firstLineOfName: [String: Int] = [:]
        for item in root.list("ports", maxItems: maxPorts) ?? [] {
            guard let mapping = item.mapping() else { continue }
            let port = EndpointPort(
                name: mapping.string("name", allowEmpty: true, problem: { $0.isEmpty ? nil : NameSyntax.dnsLabelProblem($0) }),
                port: mapping.int("port", range: 1...65535),
                protocol: mapping.enumValue("protocol") ?? .tcp,
                appProtocol: mapping.string("appProtocol")
            )
            let name = port.name ?? ""
            let nameLocation = mapping.value("name")?.location ?? mapping.location
            if let firstLine = firstLineOfName[name] {
                mapping.diagnostics.report(
                    .duplicateEntry,
                    "duplicate port name \(quoted(name)) (first at line \(firstLine))",
                    at: nameLocation,
                    path: mapping.path.field("name")
                )
            } else {
                firstLineOfName[name] = nameLocation.line
            }
            ports.append(port)
        }
        return (addressType ?? .ipv4, endpoints, ports)
    }
}

extension Endpoint {
    static func decode(_ mapping: MappingReader, addressType: EndpointAddressType?) -> Endpoint {
        // Topology hints and the Pod behind the endpoint: nothing the Gateway routes by.
        mapping.ignore("targetRef", "hints", "deprecatedTopology")
        var addresses: [String] = []
        for item in mapping.list("addresses", required: true, minItems: 1, maxItems: EndpointSlice.maxAddresses) ?? [] {
            let address = item.string(problem: { address in
                switch addressType {
                case .ipv4?:
                    return IPAddressSyntax.isIPv4(address) ? nil : "\(quoted(address)) is not an IPv4 address"
                case .ipv6?:
                    return IPAddressSyntax.isIPv6(address) ? nil : "\(quoted(address)) is not an IPv6 address"
                case .fqdn?:
                    return NameSyntax.dnsSubdomainProblem(address)
                case nil:
                    return nil
                }
            })
            if let address { addresses.append(address) }
        }
        var conditions = EndpointConditions(ready: nil, serving: nil, terminating: nil)
        if let conditionsMapping = mapping.mapping("conditions") {
            conditions = EndpointConditions(
                ready: conditionsMapping.bool("ready"),
                serving: conditionsMapping.bool("serving"),
                terminating: conditionsMapping.bool("terminating")
            )
        }
        return Endpoint(
            addresses: addresses,
            conditions: conditions,
            hostname: mapping.string("hostname", problem: NameSyntax.dnsLabelProblem),
            nodeName: mapping.string("nodeName", problem: NameSyntax.dnsSubdomainProblem),
            zone: mapping.string("zone")
        )
    }
}
