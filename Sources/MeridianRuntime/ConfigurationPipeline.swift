import EnvoyAPI
import MeridianEncode
import MeridianLoad
import MeridianServe
import MeridianTranslate

/// The result of loading, translating and encoding a set of files once.
public struct ConfigurationBuild: Sendable {
    public var loaded: LoadedConfiguration
    public var translation: Translation
    /// One snapshot per proxy group (`<namespace>/<gateway>`).
    public var snapshots: [String: Snapshot]
    /// Groups whose resources could not form a consistent snapshot (a translator bug if ever non-empty).
    public var snapshotErrors: [String: SnapshotError]

    /// Whether the input is valid: every document loaded and every group encoded.
    public var isValid: Bool { loaded.errors.isEmpty && snapshotErrors.isEmpty }

    /// Whether, beyond being valid, every resource has healthy status conditions.
    public var isFullyHealthy: Bool { isValid && translation.statuses.allSatisfy(\.isHealthy) }
}

/// Load → translate → encode, as one pure step.
public enum ConfigurationPipeline {
    public static func build(paths: [String], options: TranslationOptions) -> ConfigurationBuild {
        build(ConfigurationLoader.load(paths: paths), options: options)
    }

    public static func build(_ loaded: LoadedConfiguration, options: TranslationOptions) -> ConfigurationBuild {
        let translation = GatewayTranslator.translate(TranslationInput(loaded), options: options)
        var snapshots: [String: Snapshot] = [:]
        var errors: [String: SnapshotError] = [:]
        for proxy in translation.proxies {
            do {
                snapshots[proxy.group] = try Snapshot(resources: EnvoyResourceEncoder.encode(proxy))
            } catch {
                errors[proxy.group] = error
            }
        }
        return ConfigurationBuild(loaded: loaded, translation: translation, snapshots: snapshots, snapshotErrors: errors)
    }
}
