import CEnvoyAPI
import EnvoyAPI
import MeridianIR

/// `Cluster`: EDS over ADS, or STRICT_DNS with an inline load assignment, with its policies.
enum ClusterEncoding {
    static func encode(_ cluster: Cluster) -> [UInt8] {
        let arena = ProtobufArena()
        let healthChecks = cluster.healthChecks.map { ClusterPolicyEncoding.healthCheck(arena, $0) }
        let protocolOptions = ClusterPolicyEncoding.protocolOptionsEntries(arena, cluster)
        let message = arena.make(envoy__config__cluster__v3__cluster__init) { message in
            message.name = arena.string(cluster.name)
            if let statName = EnvoyStatNames.clusterStatName(cluster.name) {
                message.alt_stat_name = arena.string(statName)
            }
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
            ClusterPolicyEncoding.applyLoadBalancer(arena, cluster.loadBalancer, to: &message)
            if let breakers = cluster.circuitBreakers {
                message.circuit_breakers = ClusterPolicyEncoding.circuitBreakers(arena, breakers)
            }
            if let detection = cluster.outlierDetection {
                message.outlier_detection = ClusterPolicyEncoding.outlierDetection(arena, detection)
            }
            message.n_health_checks = healthChecks.count
            message.health_checks = arena.array(healthChecks)
            message.n_typed_extension_protocol_options = protocolOptions.count
            message.typed_extension_protocol_options = arena.array(protocolOptions)
            if let tls = cluster.upstreamTLS {
                message.transport_socket = TLSEncoding.upstreamTransportSocket(arena, tls)
            }
        }
        return ProtobufWire.pack(message)
    }
}
