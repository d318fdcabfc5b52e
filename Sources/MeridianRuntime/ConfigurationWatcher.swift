import Foundation
import Logging
import MeridianHistory
import MeridianServe
import MeridianTranslate
import Synchronization

/// A cheap fingerprint of the configuration files: names, sizes, modification times, inodes.
///
/// Polled every few tens of milliseconds. Unlike inotify it survives editors
/// that replace files by renaming, directories that appear later, and
/// files on any file system.
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
                files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { (path as NSString).appendingPathComponent($0) }
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

    public init(paths: [String], options: TranslationOptions, cache: SnapshotCache, logger: Logger, history: SnapshotHistory? = nil) {
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
        let build = ConfigurationPipeline.build(paths: paths, options: options, previous: servedBuild?.loaded)
        lastAttempt.withLock { $0 = build }
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
        for line in StatusReport.problemLines(build) {
            logger.notice("not everything is served", metadata: ["status": "\(line)"])
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
        return true
    }

    /// Polls the files until the task is cancelled, reloading after each change settles.
    public func run(pollInterval: Duration = .milliseconds(25)) async {
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
