import Synchronization

/// What parsing and decoding a file produced, kept by the file's name and content digest so
/// an unchanged file is not parsed again on the next load.
///
/// The outcome of a file is a function of its bytes, its name and the load limits alone; what
/// depends on the other files (duplicates, the per-file error budget they feed) is applied
/// when the outcomes are replayed, by the same code as a fresh parse. So a load with the cache
/// is the same as one without (`ParsedFileCacheTests` compares them over random edit series).
/// Only the newest load's files are kept: the cache holds one configuration's outcomes.
public final class ParsedFileCache: Sendable {
    struct Entry: Sendable {
        /// Each document's outcome, with the digest of its object for a resource.
        var outcomes: [(outcome: DocumentOutcome, objectDigest: String?)]
        var streamError: LoadError?
    }

    private struct Key: Hashable {
        var file: String
        var digest: String
    }

    private let entries = Mutex<(current: [Key: Entry], next: [Key: Entry])>(([:], [:]))
    private let hitCount = Atomic<Int>(0)

    public init() {}

    /// Whether a file's outcomes are kept (without counting a hit or keeping them for the next load).
    func contains(file: String, digest: String) -> Bool {
        entries.withLock { $0.current[Key(file: file, digest: digest)] != nil || $0.next[Key(file: file, digest: digest)] != nil }
    }

    func entry(file: String, digest: String) -> Entry? {
        entries.withLock { state in
            let key = Key(file: file, digest: digest)
            guard let entry = state.current[key] ?? state.next[key] else { return nil }
            state.next[key] = entry
            hitCount.add(1, ordering: .relaxed)
            return entry
        }
    }

    /// How many files were replayed instead of parsed, since the cache was made.
    public var hits: Int { hitCount.load(ordering: .relaxed) }

    func store(_ entry: Entry, file: String, digest: String) {
        entries.withLock { $0.next[Key(file: file, digest: digest)] = entry }
    }

    /// Ends a load: what it did not read is forgotten.
    func finishLoad() {
        entries.withLock { state in
            state.current = state.next
            state.next = [:]
        }
    }

    /// How many files' outcomes are kept (for tests).
    public var count: Int { entries.withLock { $0.current.count } }
}
