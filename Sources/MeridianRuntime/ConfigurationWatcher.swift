import Foundation
import Logging
import MeridianHistory
import MeridianEncode
import MeridianLoad
import MeridianServe
import MeridianTranslate
import Synchronization

/// A cheap fingerprint of the configuration files: names, sizes, modification times, inodes.
///
/// Compared once when watching starts (an edit between the first load and the watch), and
/// polled every few tens of milliseconds only where inotify cannot watch (a path that does
/// not exist yet, a file system without it, a watched directory removed).
struct FileSetFingerprint: Equatable {
    private var entries: [String: [Int]] = [:]

    init(paths: [String]) {
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                entries[path] = []
                continue
            }
            let files: [String]
            if isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
                files = names.filter(ConfigurationFileName.isConfiguration).sorted().map { (path as NSString).appendingPathComponent($0) }
                entries[path] = [files.count]
            } else {
                files = [path]
            }
            for file in files {
                var info = stat()
                guard stat(file, &info) == 0 else { entries[file] = []; continue }
                entries[file] = [Int(info.st_size), Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_ino)]
            }
        }
    }
}

/// Keeps the snapshot cache in step with the configuration files.
///
/// Each change is loaded, translated and encoded in full; only a valid result
/// replaces what is served. An invalid change is logged with file and line,
/// and the last good snapshots stay live.
public final class ConfigurationWatcher: Sendable {
    private let paths: [String]
    private let options: TranslationOptions
    private let cache: SnapshotCache
    private let logger: Logger
    /// Records every valid build and keeps pinned groups on their pinned snapshot; without
    /// it, each valid build is simply served.
    private let history: SnapshotHistory?
    private let lastBuild = Mutex<ConfigurationBuild?>(nil)
    private let lastAttempt = Mutex<ConfigurationBuild?>(nil)
    private let metrics = PipelineMetrics()
    /// The files as they were just before the last load began: a change during or after
    /// that load differs from it, so `run` never mistakes it for what was loaded.
    private let lastLoadedFiles = Mutex<FileSetFingerprint?>(nil)
    /// Whether a configuration with no readable file may be served (as serving nothing).
    private let allowsEmpty: Bool
    /// Files unchanged since the last reload are not parsed again.
    private let parsedFiles = ParsedFileCache()
    private let translatedRoutes = TranslationMemo()
    private let encodedResources = EncodingCache()
    /// Problems are logged when they appear, not again on every reload.
    private let problemLog = Mutex(ProblemLog())

    /// - Parameter allowsEmpty: serve a configuration with no readable `*.yaml`/`*.yml` file
    ///   (every proxy then gets nothing); by default it is refused and the last good snapshot kept.
    public init(paths: [String], options: TranslationOptions, cache: SnapshotCache, logger: Logger, history: SnapshotHistory? = nil, allowsEmpty: Bool = false) {
        self.allowsEmpty = allowsEmpty
        self.paths = paths
        self.options = options
        self.cache = cache
        self.logger = logger
        self.history = history
        // A rollback or unpin changes what is served without a reload.
        history?.onPublish { [metrics] served in metrics.recordServed(served) }
    }

    /// The last build that was valid and is being served.
    public var servedBuild: ConfigurationBuild? { lastBuild.withLock { $0 } }

    /// The last build, whether or not it could be served: what the files say now.
    public var latestBuild: ConfigurationBuild? { lastAttempt.withLock { $0 } }

    /// Loads the files now; returns whether the result was valid and is now served.
    @discardableResult
    public func reload() -> Bool {
        lastLoadedFiles.withLock { $0 = FileSetFingerprint(paths: paths) }
        let build = ConfigurationPipeline.build(paths: paths, options: options, previous: servedBuild?.loaded, parsed: parsedFiles, translated: translatedRoutes, encoded: encodedResources)
        lastAttempt.withLock { $0 = build }
        // Every file removed (or none readable) is far more often a mistake (a deploy that
        // wiped the directory, a wrong path) than a wish to serve nothing.
        if !allowsEmpty, Set(build.loaded.files).subtracting(build.loaded.unreadableFiles).isEmpty {
            metrics.record(build, served: nil)
            let what = "no readable *.yaml or *.yml file in \(paths.joined(separator: ", "))"
            if servedBuild == nil {
                logger.error("the configuration is empty: \(what); serving nothing until a file appears (--allow-empty-configuration serves an empty configuration)")
            } else {
                logger.error("the configuration is empty: \(what); still serving the last good snapshot (--allow-empty-configuration serves an empty configuration)")
            }
            return false
        }
        return publish(build)
    }

    /// Builds what a source other than files loaded (the Kubernetes API) and serves it as a
    /// reload of files would: a rejected object keeps the version served, an invalid build
    /// keeps the last good snapshot. Returns whether the result is now served.
    @discardableResult
    public func reload(loaded source: () -> LoadedConfiguration) -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        var loaded = source()
        let kept = servedBuild.map { loaded.keepingLastGoodVersions(from: $0.loaded) } ?? []
        let loadTime = clock.now - start
        var build = ConfigurationPipeline.build(loaded, options: options, translated: translatedRoutes, encoded: encodedResources)
        build.keptObjects = kept
        build.timings.load = loadTime
        lastAttempt.withLock { $0 = build }
        return publish(build)
    }

    private func publish(_ build: ConfigurationBuild) -> Bool {
        guard build.isServable else {
            metrics.record(build, served: nil)
            for line in StatusReport.errorLines(build) {
                logger.error(servedBuild == nil ? "invalid configuration" : "invalid configuration, still serving the last good snapshot", metadata: ["error": "\(line)"])
            }
            return false
        }
        let kept = Set(build.keptObjects)
        for object in build.loaded.rejected {
            let note = kept.contains(object) ? "set aside; its last good version is still served" : "set aside; everything else is served"
            for error in object.errors {
                logger.error("invalid \(object.kind) \(object.qualifiedName): \(note)", metadata: ["error": "\(error)"])
            }
        }
        let rejectedErrors = Set(build.loaded.rejected.flatMap(\.errors).map(\.description))
        for error in build.loaded.errors where !rejectedErrors.contains(error.description) {
            // A document that is not an object, or a file that could not be read or parsed.
            let unreadable = build.loaded.unreadableFiles.contains(error.location.file)
            logger.error(unreadable ? "file set aside; what it held keeps its last good version" : "document set aside; everything else is served", metadata: ["error": "\(error)"])
        }
        let served: [String: Snapshot]
        if let history {
            served = history.record(build.snapshots, inputs: build.loaded.digests)
        } else {
            cache.setSnapshots(build.snapshots)
            served = build.snapshots
        }
        lastBuild.withLock { $0 = build }
        // What is served, which for a pinned group is not this build's snapshot.
        metrics.record(build, served: served)
        for (group, snapshot) in served.sorted(by: { $0.key < $1.key }) {
            logger.info("serving snapshot", metadata: ["group": "\(group)", "version": "\(snapshot.version)", "resources": "\(snapshot.resourceCount)"])
        }
        // After the snapshot is out: finding what to say costs a line per problem.
        let problems = problemLog.withLock { $0.update(StatusReport.problemLines(build)) }
        for line in problems.new {
            logger.notice("not everything is served", metadata: ["status": "\(line)"])
        }
        if problems.omitted > 0 {
            logger.notice("not everything is served: more new problems than are logged at once; GET /status lists every one", metadata: ["not-logged": "\(problems.omitted)"])
        }
        if problems.resolved > 0 {
            logger.info("problems resolved since the last reload", metadata: ["count": "\(problems.resolved)"])
        }
        return true
    }

    /// Follows the files until the task is cancelled: with inotify where it can watch every
    /// path (a change is reloaded at once, see `ConfigurationFileEvents`), else by polling.
    public func run(pollInterval: Duration = .milliseconds(25)) async {
        if let events = ConfigurationFileEvents(paths: paths) {
            logger.info("following the configuration files with inotify")
            // An edit made between the first load (`serve` starting) and the watch is picked up.
            if let loaded = lastLoadedFiles.withLock({ $0 }), loaded != FileSetFingerprint(paths: paths) {
                logger.info("configuration changed, reloading")
                reload()
            }
            await withTaskCancellationHandler {
                for await _ in events.changes {
                    logger.info("configuration changed, reloading")
                    reload()
                }
            } onCancel: {
                events.stop()
            }
            if Task.isCancelled { return }
            logger.warning("a watched directory went away; polling the configuration paths instead")
            reload()
        } else {
            logger.info("inotify cannot watch every configuration path; polling them", metadata: ["interval": "\(pollInterval)"])
        }
        await poll(interval: pollInterval)
    }

    /// Polls the files until the task is cancelled, reloading after each change settles.
    private func poll(interval pollInterval: Duration) async {
        // Compared with the files as the last load read them, not as they are now: an edit made
        // between that load (`serve` starting) and this first poll is still picked up.
        var served = lastLoadedFiles.withLock { $0 } ?? FileSetFingerprint(paths: paths)
        var pending: FileSetFingerprint?
        while !Task.isCancelled {
            try? await Task.sleep(for: pollInterval)
            let current = FileSetFingerprint(paths: paths)
            if current == served {
                pending = nil
                continue
            }
            // Reload once the files have stopped changing for one interval, so a
            // write in progress is not read half-done.
            if current == pending {
                logger.info("configuration changed, reloading")
                reload()
                served = lastLoadedFiles.withLock { $0 } ?? current
                pending = nil
            } else {
                pending = current
            }
        }
    }
}
