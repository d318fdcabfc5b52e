import CEnvoyAPI

/// The identity an Envoy presents in its discovery requests.
public struct Node: Sendable, Hashable {
    /// The proxy's own id (`--service-node` or bootstrap `node.id`).
    public var id: String
    /// The proxy's cluster (`node.cluster`); Meridian keys proxy groups on it.
    public var cluster: String
    public var userAgentName: String
    public var userAgentVersion: String

    public init(id: String, cluster: String, userAgentName: String = "", userAgentVersion: String = "") {
        self.id = id
        self.cluster = cluster
        self.userAgentName = userAgentName
        self.userAgentVersion = userAgentVersion
    }
}

/// A state-of-the-world `envoy.service.discovery.v3.DiscoveryRequest`.
public struct DiscoveryRequest: Sendable, Hashable {
    public var versionInfo: String
    /// Present on the first request of a stream; Envoy may omit it afterwards.
    public var node: Node?
    public var resourceNames: [String]
    public var typeURL: String
    public var responseNonce: String
    /// Set when the proxy rejects the response named by `responseNonce` (a NACK).
    public var errorDetail: ErrorDetail?

    /// The `google.rpc.Status` a proxy attaches to a NACK.
    public struct ErrorDetail: Sendable, Hashable {
        public var code: Int32
        public var message: String

        public init(code: Int32, message: String) {
            self.code = code
            self.message = message
        }
    }

    public init(
        versionInfo: String = "",
        node: Node? = nil,
        resourceNames: [String] = [],
        typeURL: String,
        responseNonce: String = "",
        errorDetail: ErrorDetail? = nil
    ) {
        self.versionInfo = versionInfo
        self.node = node
        self.resourceNames = resourceNames
        self.typeURL = typeURL
        self.responseNonce = responseNonce
        self.errorDetail = errorDetail
    }

    /// Decodes a request as received on the wire.
    public init(decoding bytes: [UInt8]) throws(WireFormatError) {
        let decoded = bytes.withUnsafeBufferPointer {
            envoy__service__discovery__v3__discovery_request__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let request = decoded else { throw WireFormatError("not a valid DiscoveryRequest (\(bytes.count) bytes)") }
        defer { envoy__service__discovery__v3__discovery_request__free_unpacked(request, nil) }
        let message = request.pointee
        versionInfo = ProtobufWire.string(message.version_info)
        node = message.node.map { node in
            Node(
                id: ProtobufWire.string(node.pointee.id),
                cluster: ProtobufWire.string(node.pointee.cluster),
                userAgentName: ProtobufWire.string(node.pointee.user_agent_name),
                userAgentVersion: node.pointee.user_agent_version_type_case == ENVOY__CONFIG__CORE__V3__NODE__USER_AGENT_VERSION_TYPE_USER_AGENT_VERSION
                    ? ProtobufWire.string(node.pointee.user_agent_version) : ""
            )
        }
        resourceNames = ProtobufWire.strings(message.resource_names, count: message.n_resource_names)
        // The type URL decides what is served, so it is taken byte for byte from
        // the wire: protobuf-c's NUL-terminated copy would drop anything after an
        // embedded NUL. proto3 strings must be UTF-8; anything else is refused.
        let typeURLBytes = ProtobufFieldBytes.last(field: 4, in: bytes) ?? []
        guard let exactTypeURL = String(validating: typeURLBytes, as: UTF8.self) else {
            throw WireFormatError("type_url is not valid UTF-8 (\(typeURLBytes.count) bytes)")
        }
        typeURL = exactTypeURL
        responseNonce = ProtobufWire.string(message.response_nonce)
        errorDetail = message.error_detail.map {
            ErrorDetail(code: $0.pointee.code, message: ProtobufWire.string($0.pointee.message))
        }
    }

    /// The request's wire bytes, as a proxy sends them.
    public func encoded() -> [UInt8] {
        let arena = ProtobufArena()
        let request = arena.make(envoy__service__discovery__v3__discovery_request__init) { request in
            request.version_info = arena.string(versionInfo)
            if let node {
                request.node = arena.make(envoy__config__core__v3__node__init) {
                    $0.id = arena.string(node.id)
                    $0.cluster = arena.string(node.cluster)
                    $0.user_agent_name = arena.string(node.userAgentName)
                }
            }
            request.n_resource_names = resourceNames.count
            request.resource_names = arena.strings(resourceNames)
            request.type_url = arena.string(typeURL)
            request.response_nonce = arena.string(responseNonce)
            if let errorDetail {
                request.error_detail = arena.make(google__rpc__status__init) {
                    $0.code = errorDetail.code
                    $0.message = arena.string(errorDetail.message)
                }
            }
        }
        return ProtobufWire.pack(request)
    }
}

/// A state-of-the-world `envoy.service.discovery.v3.DiscoveryResponse`.
public struct DiscoveryResponse: Sendable, Hashable {
    public var versionInfo: String
    /// Each resource's serialized message; on the wire each is wrapped in `Any` with `typeURL`.
    public var resources: [SerializedMessage]
    public var typeURL: String
    public var nonce: String
    public var controlPlaneIdentifier: String

    public init(versionInfo: String, resources: [SerializedMessage], typeURL: String, nonce: String, controlPlaneIdentifier: String = "") {
        self.versionInfo = versionInfo
        self.resources = resources
        self.typeURL = typeURL
        self.nonce = nonce
        self.controlPlaneIdentifier = controlPlaneIdentifier
    }

    /// The response's wire bytes. Resource bytes are referenced, not copied, until packing.
    public func encoded() -> [UInt8] {
        let arena = ProtobufArena()
        let typeURLPointer = arena.string(typeURL)
        let wrapped = resources.map { resource in
            arena.make(google__protobuf__any__init) {
                $0.type_url = typeURLPointer
                $0.value = ProtobufCBinaryData(len: resource.count, data: resource.baseAddress)
            }
        }
        let response = arena.make(envoy__service__discovery__v3__discovery_response__init) { response in
            response.version_info = arena.string(versionInfo)
            response.n_resources = wrapped.count
            response.resources = arena.array(wrapped)
            response.type_url = typeURLPointer
            response.nonce = arena.string(nonce)
            if !controlPlaneIdentifier.isEmpty {
                response.control_plane = arena.make(envoy__config__core__v3__control_plane__init) {
                    $0.identifier = arena.string(controlPlaneIdentifier)
                }
            }
        }
        // `resources` keeps every SerializedMessage alive until packing is done.
        return withExtendedLifetime(resources) { ProtobufWire.pack(response) }
    }

    /// Decodes a response as a proxy receives it.
    public init(decoding bytes: [UInt8]) throws(WireFormatError) {
        let decoded = bytes.withUnsafeBufferPointer {
            envoy__service__discovery__v3__discovery_response__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let response = decoded else { throw WireFormatError("not a valid DiscoveryResponse (\(bytes.count) bytes)") }
        defer { envoy__service__discovery__v3__discovery_response__free_unpacked(response, nil) }
        let message = response.pointee
        versionInfo = ProtobufWire.string(message.version_info)
        typeURL = ProtobufWire.string(message.type_url)
        nonce = ProtobufWire.string(message.nonce)
        controlPlaneIdentifier = message.control_plane.map { ProtobufWire.string($0.pointee.identifier) } ?? ""
        var resources: [SerializedMessage] = []
        for index in 0..<message.n_resources {
            guard let any = message.resources[index] else { continue }
            let value = any.pointee.value
            resources.append(SerializedMessage(UnsafeBufferPointer(start: value.data, count: value.len)))
        }
        self.resources = resources
    }
}
