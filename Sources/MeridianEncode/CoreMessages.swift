import CEnvoyAPI
import EnvoyAPI

/// Builders for the `envoy.config.core.v3` messages other encoders share.
enum CoreMessages {
    static func socketAddress(_ arena: ProtobufArena, host: String, port: Int) -> UnsafeMutablePointer<Envoy__Config__Core__V3__Address> {
        let socket = arena.make(envoy__config__core__v3__socket_address__init) {
            $0.address = arena.string(host)
            $0.port_specifier_case = ENVOY__CONFIG__CORE__V3__SOCKET_ADDRESS__PORT_SPECIFIER_PORT_VALUE
            $0.port_value = UInt32(clamping: port)
        }
        return arena.make(envoy__config__core__v3__address__init) {
            $0.address_case = ENVOY__CONFIG__CORE__V3__ADDRESS__ADDRESS_SOCKET_ADDRESS
            $0.socket_address = socket
        }
    }

    /// A config source that says "over the same ADS stream", with the v3 transport.
    static func aggregatedSource(_ arena: ProtobufArena) -> UnsafeMutablePointer<Envoy__Config__Core__V3__ConfigSource> {
        let ads = arena.make(envoy__config__core__v3__aggregated_config_source__init)
        return arena.make(envoy__config__core__v3__config_source__init) {
            $0.config_source_specifier_case = ENVOY__CONFIG__CORE__V3__CONFIG_SOURCE__CONFIG_SOURCE_SPECIFIER_ADS
            $0.ads = ads
            $0.resource_api_version = ENVOY__CONFIG__CORE__V3__API_VERSION__V3
        }
    }

    /// A percentage that is always 100%, for filters that are on unconditionally.
    static func always(_ arena: ProtobufArena, runtimeKey: String) -> UnsafeMutablePointer<Envoy__Config__Core__V3__RuntimeFractionalPercent> {
        let hundred = arena.make(envoy__type__v3__fractional_percent__init) {
            $0.numerator = 100
            $0.denominator = ENVOY__TYPE__V3__FRACTIONAL_PERCENT__DENOMINATOR_TYPE__HUNDRED
        }
        return arena.make(envoy__config__core__v3__runtime_fractional_percent__init) {
            $0.default_value = hundred
            $0.runtime_key = arena.string(runtimeKey)
        }
    }
}
