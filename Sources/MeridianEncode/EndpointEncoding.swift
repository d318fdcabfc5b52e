import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `ClusterLoadAssignment`: a cluster's endpoints, one `LocalityLbEndpoints` per priority.
enum EndpointEncoding {
    static func encode(clusterName: String, endpoints: [Endpoint]) -> [UInt8] {
        let arena = ProtobufArena()
        return ProtobufWire.pack(loadAssignment(arena, clusterName: clusterName, endpoints: endpoints))
    }

    /// Also the inline `load_assignment` of a STRICT_DNS cluster, so EDS and DNS fail over alike.
    static func loadAssignment(
        _ arena: ProtobufArena,
        clusterName: String,
        endpoints: [Endpoint]
    ) -> UnsafeMutablePointer<Envoy__Config__Endpoint__V3__ClusterLoadAssignment> {
        // Envoy fails over by locality priority, not per endpoint: endpoints sharing a
        // priority form one locality. Ascending order keeps the bytes independent of
        // the order priorities first appear in; endpoints keep their order within one.
        let priorities = Set(endpoints.map(\.priority)).sorted()
        let localities = priorities.map { priority in
            let members = endpoints.filter { $0.priority == priority }.map { lbEndpoint(arena, $0) }
            return arena.make(envoy__config__endpoint__v3__locality_lb_endpoints__init) {
                $0.n_lb_endpoints = members.count
                $0.lb_endpoints = arena.array(members)
                $0.priority = priority
            }
        }
        return arena.make(envoy__config__endpoint__v3__cluster_load_assignment__init) {
            $0.cluster_name = arena.string(clusterName)
            $0.n_endpoints = localities.count
            $0.endpoints = arena.array(localities)
        }
    }

    private static func lbEndpoint(_ arena: ProtobufArena, _ endpoint: Endpoint) -> UnsafeMutablePointer<Envoy__Config__Endpoint__V3__LbEndpoint> {
        let host = arena.make(envoy__config__endpoint__v3__endpoint__init) {
            $0.address = CoreMessages.socketAddress(arena, host: endpoint.address, port: endpoint.port)
        }
        return arena.make(envoy__config__endpoint__v3__lb_endpoint__init) {
            $0.host_identifier_case = ENVOY__CONFIG__ENDPOINT__V3__LB_ENDPOINT__HOST_IDENTIFIER_ENDPOINT
            $0.endpoint = host
            $0.health_status = endpoint.ready ? ENVOY__CONFIG__CORE__V3__HEALTH_STATUS__HEALTHY : ENVOY__CONFIG__CORE__V3__HEALTH_STATUS__UNHEALTHY
        }
    }
}
