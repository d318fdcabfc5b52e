import Dispatch
import Synchronization

/// Files parsed on every core before they are added in load order.
///
/// A file's parse and decode depend on its bytes, its name and the limits alone, so files can
/// be parsed at the same time; what depends on the other files (duplicates, and the per-file
/// error budget they feed) is applied afterwards, in order, by replaying the outcomes through
/// the same steps as a parse, exactly as `ParsedFileCache` replays an unchanged file.
///
/// A parse stops early only when the file's own errors exceed its budget. Errors added when
/// replaying (duplicates) only come on top, so the replay stops at the same document as a
/// parse done in order would, or earlier, and never needs a document the parse did not reach.
enum ConcurrentFileParsing {
    struct Parsed: Sendable {
        var entry: ParsedFileCache.Entry
        /// Whether the file was read to its end (only then may the cache keep it).
        var complete: Bool
    }

    /// Parses `sources` on up to `activeProcessorCount` threads; the result is by index.
    static func parse(_ sources: [ManifestSource], limits: LoadLimits) -> [Parsed] {
        let results = Mutex<[Parsed?]>(Array(repeating: nil, count: sources.count))
        DispatchQueue.concurrentPerform(iterations: sources.count) { index in
            let parsed = parse(sources[index], limits: limits)
            results.withLock { $0[index] = parsed }
        }
        return results.withLock { $0.map { $0! } }
    }

    static func parse(_ source: ManifestSource, limits: LoadLimits) -> Parsed {
        var budget = ErrorBudget(limit: limits.maxErrorsPerFile, scope: .file)
        var outcomes: [(outcome: DocumentOutcome, objectDigest: String?)] = []
        var complete = true
        let streamError = YAMLDocumentParser.parse(source.bytes, fileName: source.name, limits: limits) { document in
            let outcome = DocumentDecoder.decode(document, limits: limits)
            let objectDigest: String? = if case .resource = outcome { InputDigests.digest(of: document.root) } else { nil }
            outcomes.append((outcome, objectDigest))
            switch outcome {
            case .invalid(let errors): errors.forEach { budget.add($0) }
            case .rejected(let object): object.errors.forEach { budget.add($0) }
            case .ignored, .resource: break
            }
            let goOn = !budget.isExhausted || budget.omitted == 0
            if !goOn { complete = false }
            return goOn
        }
        return Parsed(entry: .init(outcomes: outcomes, streamError: streamError), complete: complete)
    }
}
