import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `Cluster`: EDS over ADS, or STRICT_DNS with an inline load assignment.
enum ClusterEncoding {
    static func encode(_ cluster: Cluster) -> [UInt8] {
        let arena = ProtobufArena()
        let message = arena.make(envoy__config__cluster__v3__cluster__init) { message in
            message.name = arena.string(cluster.name)
            message.connect_timeout = arena.duration(cluster.connectTimeout)
            message.cluster_discovery_type_case = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__CLUSTER_DISCOVERY_TYPE_TYPE
            switch cluster.discovery {
            case .endpoints:
                message.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__EDS
                message.eds_cluster_config = arena.make(envoy__config__cluster__v3__cluster__eds_cluster_config__init) {
                    $0.eds_config = CoreMessages.aggregatedSource(arena)
                    $0.service_name = arena.string(cluster.name)
                }
            case .dns(let endpoints):
                message.type = ENVOY__CONFIG__CLUSTER__V3__CLUSTER__DISCOVERY_TYPE__STRICT_DNS
                message.load_assignment = EndpointEncoding.loadAssignment(arena, clusterName: cluster.name, endpoints: endpoints)
            }
        }
        return ProtobufWire.pack(message)
    }
}

/// `ClusterLoadAssignment`: a cluster's endpoints, in one locality.
enum EndpointEncoding {
    static func encode(clusterName: String, endpoints: [Endpoint]) -> [UInt8] {
        let arena = ProtobufArena()
        return ProtobufWire.pack(loadAssignment(arena, clusterName: clusterName, endpoints: endpoints))
    }

    static func loadAssignment(
        _ arena: ProtobufArena,
        clusterName: String,
        endpoints: [Endpoint]
    ) -> UnsafeMutablePointer<Envoy__Config__Endpoint__V3__ClusterLoadAssignment> {
        let lbEndpoints = endpoints.map { endpoint in
            let host = arena.make(envoy__config__endpoint__v3__endpoint__init) {
                $0.address = CoreMessages.socketAddress(arena, host: endpoint.address, port: endpoint.port)
            }
            return arena.make(envoy__config__endpoint__v3__lb_endpoint__init) {
                $0.host_identifier_case = ENVOY__CONFIG__ENDPOINT__V3__LB_ENDPOINT__HOST_IDENTIFIER_ENDPOINT
                $0.endpoint = host
                $0.health_status = endpoint.ready ? ENVOY__CONFIG__CORE__V3__HEALTH_STATUS__HEALTHY : ENVOY__CONFIG__CORE__V3__HEALTH_STATUS__UNHEALTHY
            }
        }
        let locality = arena.make(envoy__config__endpoint__v3__locality_lb_endpoints__init) {
            $0.n_lb_endpoints = lbEndpoints.count
            $0.lb_endpoints = arena.array(lbEndpoints)
        }
        return arena.make(envoy__config__endpoint__v3__cluster_load_assignment__init) {
            $0.cluster_name = arena.string(clusterName)
            $0.n_endpoints = endpoints.isEmpty ? 0 : 1
            $0.endpoints = endpoints.isEmpty ? nil : arena.array([locality])
        }
    }
}
