import CEnvoyAPI

/// An incremental (delta) `envoy.service.discovery.v3.DeltaDiscoveryRequest`.
///
/// Unlike a state-of-the-world request it names only changes: names to add to
/// the subscription, names to drop, and (first request of a stream) the versions
/// of the resources the proxy already holds.
public struct DeltaDiscoveryRequest: Sendable, Hashable {
    /// Present on the first request of a stream; Envoy may omit it afterwards.
    public var node: Node?
    public var typeURL: String
    public var resourceNamesSubscribe: [String]
    public var resourceNamesUnsubscribe: [String]
    /// What a reconnecting proxy already holds: name → the version it was sent.
    public var initialResourceVersions: [String: String]
    /// The response this request answers (ACK, or NACK with `errorDetail`); empty otherwise.
    public var responseNonce: String
    public var errorDetail: DiscoveryRequest.ErrorDetail?

    public init(
        node: Node? = nil,
        typeURL: String,
        resourceNamesSubscribe: [String] = [],
        resourceNamesUnsubscribe: [String] = [],
        initialResourceVersions: [String: String] = [:],
        responseNonce: String = "",
        errorDetail: DiscoveryRequest.ErrorDetail? = nil
    ) {
        self.node = node
        self.typeURL = typeURL
        self.resourceNamesSubscribe = resourceNamesSubscribe
        self.resourceNamesUnsubscribe = resourceNamesUnsubscribe
        self.initialResourceVersions = initialResourceVersions
        self.responseNonce = responseNonce
        self.errorDetail = errorDetail
    }

    /// Decodes a request as received on the wire.
    public init(decoding bytes: [UInt8]) throws(WireFormatError) {
        let decoded = bytes.withUnsafeBufferPointer {
            envoy__service__discovery__v3__delta_discovery_request__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let request = decoded else { throw WireFormatError("not a valid DeltaDiscoveryRequest (\(bytes.count) bytes)") }
        defer { envoy__service__discovery__v3__delta_discovery_request__free_unpacked(request, nil) }
        let message = request.pointee
        node = message.node.map { node in
            Node(
                id: ProtobufWire.string(node.pointee.id),
                cluster: ProtobufWire.string(node.pointee.cluster),
                userAgentName: ProtobufWire.string(node.pointee.user_agent_name),
                userAgentVersion: node.pointee.user_agent_version_type_case == ENVOY__CONFIG__CORE__V3__NODE__USER_AGENT_VERSION_TYPE_USER_AGENT_VERSION
                    ? ProtobufWire.string(node.pointee.user_agent_version) : ""
            )
        }
        // As for DiscoveryRequest: the type URL is taken byte for byte from the wire (field 2),
        // so an embedded NUL cannot shorten it into a type Meridian serves.
        let typeURLBytes = ProtobufFieldBytes.last(field: 2, in: bytes) ?? []
        guard let exactTypeURL = String(validating: typeURLBytes, as: UTF8.self) else {
            throw WireFormatError("type_url is not valid UTF-8 (\(typeURLBytes.count) bytes)")
        }
        typeURL = exactTypeURL
        resourceNamesSubscribe = ProtobufWire.strings(message.resource_names_subscribe, count: message.n_resource_names_subscribe)
        resourceNamesUnsubscribe = ProtobufWire.strings(message.resource_names_unsubscribe, count: message.n_resource_names_unsubscribe)
        var versions: [String: String] = [:]
        for index in 0..<message.n_initial_resource_versions {
            guard let entry = message.initial_resource_versions[index] else { continue }
            versions[ProtobufWire.string(entry.pointee.key)] = ProtobufWire.string(entry.pointee.value)
        }
        initialResourceVersions = versions
        responseNonce = ProtobufWire.string(message.response_nonce)
        errorDetail = message.error_detail.map {
            DiscoveryRequest.ErrorDetail(code: $0.pointee.code, message: ProtobufWire.string($0.pointee.message))
        }
    }

    /// The request's wire bytes, as a proxy sends them.
    public func encoded() -> [UInt8] {
        let arena = ProtobufArena()
        let entries = initialResourceVersions.sorted { $0.key < $1.key }.map { name, version in
            arena.make(envoy__service__discovery__v3__delta_discovery_request__initial_resource_versions_entry__init) {
                $0.key = arena.string(name)
                $0.value = arena.string(version)
            }
        }
        let request = arena.make(envoy__service__discovery__v3__delta_discovery_request__init) { request in
            if let node {
                request.node = arena.make(envoy__config__core__v3__node__init) {
                    $0.id = arena.string(node.id)
                    $0.cluster = arena.string(node.cluster)
                    $0.user_agent_name = arena.string(node.userAgentName)
                }
            }
            request.type_url = arena.string(typeURL)
            request.n_resource_names_subscribe = resourceNamesSubscribe.count
            request.resource_names_subscribe = arena.strings(resourceNamesSubscribe)
            request.n_resource_names_unsubscribe = resourceNamesUnsubscribe.count
            request.resource_names_unsubscribe = arena.strings(resourceNamesUnsubscribe)
            request.n_initial_resource_versions = entries.count
            request.initial_resource_versions = arena.array(entries)
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

/// An incremental (delta) `envoy.service.discovery.v3.DeltaDiscoveryResponse`: the resources
/// added or changed, each with its own version, and the names removed.
public struct DeltaDiscoveryResponse: Sendable, Hashable {
    /// One added or changed resource (`envoy.service.discovery.v3.Resource`).
    public struct Resource: Sendable, Hashable {
        public var name: String
        /// This resource's version; the proxy presents it in `initial_resource_versions`.
        public var version: String
        /// The serialized resource; on the wire it is wrapped in `Any` with the response's type URL.
        public var message: SerializedMessage

        public init(name: String, version: String, message: SerializedMessage) {
            self.name = name
            self.version = version
            self.message = message
        }
    }

    /// For debugging only: the snapshot version the response comes from.
    public var systemVersionInfo: String
    public var resources: [Resource]
    public var typeURL: String
    public var removedResources: [String]
    public var nonce: String
    public var controlPlaneIdentifier: String

    public init(systemVersionInfo: String, resources: [Resource], typeURL: String, removedResources: [String] = [], nonce: String, controlPlaneIdentifier: String = "") {
        self.systemVersionInfo = systemVersionInfo
        self.resources = resources
        self.typeURL = typeURL
        self.removedResources = removedResources
        self.nonce = nonce
        self.controlPlaneIdentifier = controlPlaneIdentifier
    }

    /// The response's wire bytes. Resource bytes are referenced, not copied, until packing.
    public func encoded() -> [UInt8] {
        let arena = ProtobufArena()
        let typeURLPointer = arena.string(typeURL)
        let wrapped = resources.map { resource in
            arena.make(envoy__service__discovery__v3__resource__init) { entry in
                entry.name = arena.string(resource.name)
                entry.version = arena.string(resource.version)
                entry.resource = arena.make(google__protobuf__any__init) {
                    $0.type_url = typeURLPointer
                    $0.value = ProtobufCBinaryData(len: resource.message.count, data: resource.message.baseAddress)
                }
            }
        }
        let response = arena.make(envoy__service__discovery__v3__delta_discovery_response__init) { response in
            response.system_version_info = arena.string(systemVersionInfo)
            response.n_resources = wrapped.count
            response.resources = arena.array(wrapped)
            response.type_url = typeURLPointer
            response.n_removed_resources = removedResources.count
            response.removed_resources = arena.strings(removedResources)
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
            envoy__service__discovery__v3__delta_discovery_response__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let response = decoded else { throw WireFormatError("not a valid DeltaDiscoveryResponse (\(bytes.count) bytes)") }
        defer { envoy__service__discovery__v3__delta_discovery_response__free_unpacked(response, nil) }
        let message = response.pointee
        systemVersionInfo = ProtobufWire.string(message.system_version_info)
        typeURL = ProtobufWire.string(message.type_url)
        nonce = ProtobufWire.string(message.nonce)
        controlPlaneIdentifier = message.control_plane.map { ProtobufWire.string($0.pointee.identifier) } ?? ""
        removedResources = ProtobufWire.strings(message.removed_resources, count: message.n_removed_resources)
        var resources: [Resource] = []
        for index in 0..<message.n_resources {
            guard let entry = message.resources[index] else { continue }
            let value = entry.pointee.resource?.pointee.value ?? ProtobufCBinaryData(len: 0, data: nil)
            resources.append(Resource(
                name: ProtobufWire.string(entry.pointee.name),
                version: ProtobufWire.string(entry.pointee.version),
                message: SerializedMessage(UnsafeBufferPointer(start: value.data, count: value.len))
            ))
        }
        self.resources = resources
    }
}
