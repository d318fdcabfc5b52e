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

    /// Rejected objects whose last good version is served in their place.
    public var keptObjects: [RejectedObject] = []

    /// How long each step took (for the `meridian_*_duration_seconds` metrics).
    public var timings = Timings()

    public struct Timings: Sendable {
        public var load: Duration = .zero
        public var translate: Duration = .zero
        public var encode: Duration = .zero
    }

    /// Whether the input is valid: every document loaded and every group encoded.
    public var isValid: Bool { loaded.errors.isEmpty && snapshotErrors.isEmpty }

    /// Whether the result can be served: every error belongs to an object set aside on its
    /// own (a policy), and every group encoded.
    public var isServable: Bool { loaded.isServable && snapshotErrors.isEmpty }

    /// Whether, beyond being valid, every resource has healthy status conditions.
    public var isFullyHealthy: Bool { isValid && translation.statuses.allSatisfy(\.isHealthy) }
}

/// Load → translate → encode, as one pure step.
public enum ConfigurationPipeline {
    /// Builds from files. With `previous` (what is served), a rejected object keeps the version
    /// it had there, as `kubectl apply` keeps an object whose update was refused. With
    /// `parsed`, files unchanged since its last load are not parsed again; with `translated`,
    /// routes unchanged since the last build (while nothing else changed) are not compiled
    /// and placed again; with `encoded`, resources unchanged since the last build are not
    /// encoded again. The result is the same with or without them.
    public static func build(
        paths: [String], options: TranslationOptions, previous: LoadedConfiguration? = nil,
        parsed: ParsedFileCache? = nil, translated: TranslationMemo? = nil, encoded: EncodingCache? = nil
    ) -> ConfigurationBuild {
        let clock = ContinuousClock()
        let start = clock.now
        var loaded = ConfigurationLoader.load(paths: paths, cache: parsed)
        let kept = previous.map { loaded.keepingLastGoodVersions(from: $0) } ?? []
        let loadTime = clock.now - start
        var build = build(loaded, options: options, translated: translated, encoded: encoded)
        build.keptObjects = kept
        build.timings.load = loadTime
        return build
    }

    /// Builds from loaded objects.
    public static func build(_ loaded: LoadedConfiguration, options: TranslationOptions, translated: TranslationMemo? = nil, encoded: EncodingCache? = nil) -> ConfigurationBuild {
        let clock = ContinuousClock()
        let start = clock.now
        var input = TranslationInput(loaded)
        input.rejectedObjects = loaded.rejected
        let translation = GatewayTranslator.translate(input, options: options, memo: translated)
        let translated = clock.now
        var snapshots: [String: Snapshot] = [:]
        var errors: [String: SnapshotError] = [:]
        for proxy in translation.proxies {
            do {
                snapshots[proxy.group] = try Snapshot(resources: EnvoyResourceEncoder.encode(proxy, cache: encoded))
            } catch {
                errors[proxy.group] = error
            }
        }
        encoded?.keep(groups: Set(translation.proxies.map(\.group)))
        var build = ConfigurationBuild(loaded: loaded, translation: translation, snapshots: snapshots, snapshotErrors: errors)
        build.timings.translate = translated - start
        build.timings.encode = clock.now - translated
        return build
    }
}
