import ContentDigest

/// Everything loaded from a set of manifests: typed resources, ignored documents and errors.
///
/// Resources appear in input order: by file, then by document. A document with any error
/// contributes no resource; its errors are in `errors`.
public struct LoadedConfiguration: Sendable {
    /// Valid GatewayClasses.
    public var gatewayClasses: [GatewayClass] = []
    /// Valid Gateways.
    public var gateways: [Gateway] = []
    /// Valid ListenerSets.
    public var listenerSets: [ListenerSet] = []
    /// Valid HTTPRoutes.
    public var httpRoutes: [HTTPRoute] = []
    /// Valid GRPCRoutes.
    public var grpcRoutes: [GRPCRoute] = []
    /// Valid Services.
    public var services: [Service] = []
    /// Valid EndpointSlices.
    public var endpointSlices: [EndpointSlice] = []
    /// Valid ReferenceGrants.
    public var referenceGrants: [ReferenceGrant] = []
    /// Valid Namespaces (for listeners that select route namespaces by label).
    public var namespaces: [Namespace] = []
    /// Valid Secrets (of every type; only `kubernetes.io/tls` ones serve as certificates).
    public var secrets: [Secret] = []
    /// Valid ConfigMaps (CA certificates of BackendTLSPolicies).
    public var configMaps: [ConfigMap] = []
    /// Valid policy documents (and kgateway Backends), kind by kind.
    public var policies = LoadedPolicies()
    /// Documents of kinds this loader does not handle.
    public var ignored: [IgnoredDocument] = []
    /// Objects set aside for their own errors (policy kinds): everything else still applies.
    public var rejected: [RejectedObject] = []
    /// Files that could not be read, or not parsed to the end: `serve` keeps the last good
    /// version of the objects they held.
    public var unreadableFiles: [String] = []
    /// Every problem found, ordered by file, line and column (those of rejected objects included);
    /// at most `LoadLimits.maxErrorsPerFile` per file, after which a last error says that the
    /// rest of the file was not read.
    public var errors: [LoadError] = []
    /// The files that were read, in the order they were loaded.
    public var files: [String] = []
    /// Content digests of the files read and of each loaded object (snapshot history's changes).
    public var digests = InputDigests()

    /// Creates an empty configuration.
    public init() {}

    /// True when no errors were found.
    public var isValid: Bool { errors.isEmpty }

    /// True when every error belongs to a rejected object, so the rest can be served.
    public var isServable: Bool { errors.allSatisfy(\.isSetAside) }
}

/// An object whose document has errors, set aside on its own.
public struct RejectedObject: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// The namespace (`default` when a namespaced kind omits it), nil for cluster-scoped kinds.
    public var namespace: String?
    /// Where the document starts.
    public var location: SourceLocation
    public var errors: [LoadError]

    public init(apiVersion: String, kind: String, name: String, namespace: String?, location: SourceLocation, errors: [LoadError]) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.location = location
        self.errors = errors
    }

    /// `namespace/name`, or `name` for cluster-scoped kinds.
    public var qualifiedName: String { namespace.map { "\($0)/\(name)" } ?? name }
}

/// The policy kinds (and kgateway's Backend), each loaded through `YAMLObjectDecoder`.
public struct LoadedPolicies: Sendable, Hashable {
    /// Valid `RetryPolicy` objects (`kgateway.dev/v1alpha1`).
    public var retryPolicies: [KgatewayRetryPolicy] = []
    /// Valid `CircuitBreakerPolicy` objects (`kgateway.dev/v1alpha1`).
    public var circuitBreakerPolicies: [CircuitBreakerPolicy] = []
    /// Valid `RateLimitPolicy` objects (`kgateway.dev/v1alpha1`).
    public var rateLimitPolicies: [RateLimitPolicy] = []
    /// Valid `ConnectionPoolSettings` objects (`kgateway.dev/v1alpha1`).
    public var connectionPoolSettings: [ConnectionPoolSettings] = []
    /// Valid `GatewayClassConfig` objects (`kgateway.dev/v1alpha1`).
    public var gatewayClassConfigs: [GatewayClassConfig] = []
    /// Valid kgateway `TrafficPolicy` objects.
    public var trafficPolicies: [TrafficPolicy] = []
    /// Valid kgateway `BackendConfigPolicy` objects.
    public var backendConfigPolicies: [BackendConfigPolicy] = []
    /// Valid kgateway `Backend` objects.
    public var backends: [KgatewayBackend] = []
    /// Valid kgateway `DirectResponse` objects.
    public var directResponses: [DirectResponse] = []
    /// Valid Gateway API `BackendLBPolicy` objects.
    public var backendLBPolicies: [BackendLBPolicy] = []
    /// Valid Gateway API `BackendTLSPolicy` objects.
    public var backendTLSPolicies: [BackendTLSPolicy] = []

    /// No policies.
    public init() {}
}

/// Loads Gateway API and Kubernetes manifests into typed, validated resources.
///
/// Loading never throws and never stops at the first problem: it reports every error it
/// can find, each with file, line, column and field path.
public enum ConfigurationLoader {
    /// Loads files and directories. A directory contributes its `*.yaml` and `*.yml` files
    /// (not recursively). All files are loaded in byte-wise order of their paths, each once,
    /// so the result does not depend on the order the paths were given in.
    ///
    /// With `cache`, a file whose name and content are unchanged since the cache's last load is
    /// not parsed again: its recorded outcomes are replayed (see `ParsedFileCache`).
    public static func load(paths: [String], limits: LoadLimits = LoadLimits(), cache: ParsedFileCache? = nil) -> LoadedConfiguration {
        var accumulator = ConfigurationAccumulator(limits: limits, cache: cache)
        defer { cache?.finishLoad() }
        var files: [String] = []
        for path in paths {
            switch ManifestFileReader.expand(path) {
            case .files(let found): files.append(contentsOf: found)
            case .failure(let error): accumulator.add(fileError: error)
            }
        }
        var seen: Set<String> = []
        let ordered = files.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.filter { seen.insert($0).inserted }
        // Each file read and hashed once.
        let read = ordered.map { file in
            ManifestFileReader.read(file, limits: limits).map { (source: $0, digest: SHA256Digest.hex(of: $0.bytes)) }
        }
        // Files not replayed from the cache are parsed on every core first (see ConcurrentFileParsing).
        let toParse = read.compactMap { result -> ManifestSource? in
            guard case .success(let file) = result, file.source.bytes.count <= limits.maxFileSize,
                  !(cache?.contains(file: file.source.name, digest: file.digest) ?? false) else { return nil }
            return file.source
        }
        var parsed: [String: ConcurrentFileParsing.Parsed] = [:]
        if toParse.count > 1 {
            for (source, result) in zip(toParse, ConcurrentFileParsing.parse(toParse, limits: limits)) { parsed[source.name] = result }
        }
        for (file, result) in zip(ordered, read) {
            accumulator.register(file: file)
            switch result {
            case .success(let read): accumulator.add(read.source, digest: read.digest, parsed: parsed[file])
            case .failure(let error): accumulator.add(fileError: error)
            }
        }
        return accumulator.finish()
    }

    /// Loads YAML text; `fileName` is used in locations.
    public static func load(yaml: String, fileName: String, limits: LoadLimits = LoadLimits()) -> LoadedConfiguration {
        load(sources: [ManifestSource(name: fileName, text: yaml)], limits: limits)
    }

    /// Loads in-memory manifests in the given order. With `cache`, a manifest whose name and
    /// content are unchanged since the cache's last load is not parsed again (objects read
    /// from the Kubernetes API: one change does not parse every object again).
    public static func load(sources: [ManifestSource], limits: LoadLimits = LoadLimits(), cache: ParsedFileCache? = nil) -> LoadedConfiguration {
        var accumulator = ConfigurationAccumulator(limits: limits, cache: cache)
        guard let cache else {
            for source in sources { accumulator.add(source) }
            return accumulator.finish()
        }
        defer { cache.finishLoad() }
        let digests = sources.map { SHA256Digest.hex(of: $0.bytes) }
        let toParse = zip(sources, digests).filter { source, digest in
            source.bytes.count <= limits.maxFileSize && !cache.contains(file: source.name, digest: digest)
        }.map(\.0)
        var parsed: [String: ConcurrentFileParsing.Parsed] = [:]
        if toParse.count > 1 {
            for (source, result) in zip(toParse, ConcurrentFileParsing.parse(toParse, limits: limits)) { parsed[source.name] = result }
        }
        for (source, digest) in zip(sources, digests) {
            accumulator.add(source, digest: digest, parsed: parsed[source.name])
        }
        return accumulator.finish()
    }
}

/// Collects the outcome of each document and detects duplicate resources across inputs.
struct ConfigurationAccumulator {
    let limits: LoadLimits
    private var configuration = LoadedConfiguration()
    private var firstNameLocation: [String: SourceLocation] = [:]
    private var fileOrder: [String: Int] = [:]
    /// The errors of the file being added, at most `maxErrorsPerFile`.
    private var fileErrors: ErrorBudget
    private let cache: ParsedFileCache?

    init(limits: LoadLimits, cache: ParsedFileCache? = nil) {
        self.limits = limits
        self.cache = cache
        fileErrors = ErrorBudget(limit: limits.maxErrorsPerFile, scope: .file)
    }

    mutating func add(fileError error: LoadError) {
        // A file that cannot be read is set aside whole; the other files are still served.
        configuration.errors.append(error.setAside)
        configuration.unreadableFiles.append(error.location.file)
    }

    /// Fixes a file's place in the error order, even when it cannot be read.
    mutating func register(file: String) {
        if fileOrder[file] == nil { fileOrder[file] = fileOrder.count }
    }

    /// `digest`: of the source's bytes, when already computed. With `parsed`, the file's
    /// outcomes come from a parse done beforehand (on another core).
    mutating func add(_ source: ManifestSource, digest: String? = nil, parsed: ConcurrentFileParsing.Parsed? = nil) {
        register(file: source.name)
        configuration.files.append(source.name)
        configuration.digests.files[source.name] = digest ?? SHA256Digest.hex(of: source.bytes)
        guard source.bytes.count <= limits.maxFileSize else {
            add(fileError: ManifestFileReader.tooLarge(source.name, size: source.bytes.count, limit: limits.maxFileSize))
            return
        }
        fileErrors = ErrorBudget(limit: limits.maxErrorsPerFile, scope: .file)
        let digest = configuration.digests.files[source.name]!
        var streamError: LoadError?
        if let cached = parsed?.entry ?? cache?.entry(file: source.name, digest: digest) {
            // The same outcomes, fed through the same steps as a parse, with the same stop.
            var stopped = false
            for recorded in cached.outcomes {
                add(recorded.outcome, objectDigest: recorded.objectDigest)
                if !(!fileErrors.isExhausted || fileErrors.omitted == 0) {
                    stopped = true
                    break
                }
            }
            // A parse stopped by its callback reports no stream error.
            streamError = stopped ? nil : cached.streamError
            if let parsed, parsed.complete { cache?.store(parsed.entry, file: source.name, digest: digest) }
        } else {
            var recorded: [(outcome: DocumentOutcome, objectDigest: String?)] = []
            var complete = true
            streamError = YAMLDocumentParser.parse(source.bytes, fileName: source.name, limits: limits) { document in
                let outcome = DocumentDecoder.decode(document, limits: limits)
                let objectDigest: String? = if case .resource = outcome { InputDigests.digest(of: document.root) } else { nil }
                if cache != nil { recorded.append((outcome, objectDigest)) }
                add(outcome, objectDigest: objectDigest)
                // A file with this many errors is not worth reading on, and reading on could
                // cost as much again for nothing but a count.
                let goOn = !fileErrors.isExhausted || fileErrors.omitted == 0
                if !goOn { complete = false }
                return goOn
            }
            // Only a file read to its end is kept: a stopped one has outcomes not recorded.
            if complete { cache?.store(.init(outcomes: recorded, streamError: streamError), file: source.name, digest: digest) }
        }
        if let streamError {
            fileErrors.add(streamError)
        }
        // A file not parsed to the end (a syntax error, or too many errors to read on) is set
        // aside whole: what it held keeps its last good version. A document that is not an
        // object, or whose identity cannot be read, is set aside alone. The rest is served.
        if streamError != nil || fileErrors.errors.contains(where: { $0.code == .errorLimit && !$0.isSetAside }) {
            configuration.unreadableFiles.append(source.name)
        }
        // The first errors found (documents are decoded in order); `finish` sorts them.
        configuration.errors.append(contentsOf: fileErrors.errors.map(\.setAside))
    }

    private mutating func add(_ outcome: DocumentOutcome, objectDigest: String?) {
        switch outcome {
        case .invalid(let errors):
            errors.forEach { fileErrors.add($0) }
        case .rejected(let object):
            object.errors.forEach { fileErrors.add($0) }
            configuration.rejected.append(object)
        case .ignored(let document):
            configuration.ignored.append(document)
        case .resource(let resource, let nameLocation):
            let (kind, displayName) = resource.identity
            let key = "\(kind)/\(displayName)"
            if let first = firstNameLocation[key] {
                // The first declaration in load order (paths byte-wise, then documents) wins;
                // this one is set aside, and the rest of its file is served.
                let error = LoadError(
                    code: .duplicateResource,
                    message: "duplicate \(kind) \(quoted(displayName)) (first defined at \(first)); the first one is used",
                    location: nameLocation,
                    fieldPath: "metadata.name"
                ).setAside
                fileErrors.add(error)
                configuration.rejected.append(resource.rejected(errors: [error], at: nameLocation))
                return
            }
            firstNameLocation[key] = nameLocation
            configuration.digests.objects["\(kind) \(displayName)"] = objectDigest
            switch resource {
            case .gatewayClass(let value): configuration.gatewayClasses.append(value)
            case .gateway(let value): configuration.gateways.append(value)
            case .listenerSet(let value): configuration.listenerSets.append(value)
            case .httpRoute(let value): configuration.httpRoutes.append(value)
            case .grpcRoute(let value): configuration.grpcRoutes.append(value)
            case .service(let value): configuration.services.append(value)
            case .endpointSlice(let value): configuration.endpointSlices.append(value)
            case .referenceGrant(let value): configuration.referenceGrants.append(value)
            case .namespace(let value): configuration.namespaces.append(value)
            case .secret(let value): configuration.secrets.append(value)
            case .configMap(let value): configuration.configMaps.append(value)
            case .custom(let value): value.add(to: &configuration)
            }
        }
    }

    /// The configuration with errors ordered by file (in load order), line and column.
    func finish() -> LoadedConfiguration {
        var result = configuration
        let order = fileOrder
        // Enumerated so that errors at the same position keep the order they were found in.
        result.errors = configuration.errors.enumerated().sorted { lhs, rhs in
            let left = (order[lhs.element.location.file] ?? -1, lhs.element.location.line, lhs.element.location.column, lhs.offset)
            let right = (order[rhs.element.location.file] ?? -1, rhs.element.location.line, rhs.element.location.column, rhs.offset)
            return left < right
        }.map(\.element)
        return result
    }
}
