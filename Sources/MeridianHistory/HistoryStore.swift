import Foundation
import MeridianLoad
import MeridianServe

/// How much history is kept: the oldest entries go first once either bound is passed, except
/// those that must stay (each group's newest, live and pinned ones).
public struct HistoryLimits: Sendable, Hashable {
    /// Entries, across all groups.
    public var maxEntries: Int
    /// Bytes of stored snapshots (each distinct version counted once).
    public var maxBytes: Int

    public init(maxEntries: Int = 100, maxBytes: Int = 256 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }
}

/// A group's pin: the version served instead of the newest build, and since when.
public struct Pin: Sendable, Hashable, Codable {
    public var version: String
    public var since: Date
}

/// The history's contents and where they live. With a state directory:
///
///     snapshots/<version>.snapshot   one per distinct version (SnapshotArchive), content-addressed
///     entries/<sequence>.json        one per entry (HistoryEntry)
///     pins.json                      pinned groups
///     inputs.json                    the input digests of the newest entry, for the next one's changes
///
/// Without one, the same is kept in memory only. Writes follow an order that a crash between
/// any two steps cannot make inconsistent: a snapshot file before the entry naming it, an
/// entry's removal before its snapshot's; what a crash leaves (temporary files, snapshots
/// no entry names) is cleaned up at the next load. Not thread-safe: `SnapshotHistory` owns it.
struct HistoryStore {
    let directory: String?
    let limits: HistoryLimits
    /// Oldest first.
    private(set) var entries: [HistoryEntry] = []
    private(set) var pins: [String: Pin] = [:]
    /// The input digests recorded with entry `baselineSequence`.
    private(set) var baseline: (sequence: Int, digests: InputDigests)?
    /// Stored size of each version kept.
    private(set) var sizes: [String: Int] = [:]
    /// Memory mode: every snapshot. With a directory: those whose file could not be written.
    private var held: [String: Snapshot] = [:]
    private var nextSequence = 1

    private var snapshotsDirectory: String? { directory.map { $0 + "/snapshots" } }
    private var entriesDirectory: String? { directory.map { $0 + "/entries" } }

    /// A store kept in memory only.
    init(limits: HistoryLimits) {
        directory = nil
        self.limits = limits
    }

    /// Opens (creating if need be) the store in `directory`. Damaged or partial files are
    /// reported in `problems`, moved aside (`*.corrupt`) or removed, and never stop the load;
    /// only a directory that cannot be created or listed is an error.
    init(directory: String, limits: HistoryLimits, problems: inout [String]) throws(HistoryError) {
        self.directory = directory
        self.limits = limits
        let snapshots = directory + "/snapshots", entries = directory + "/entries"
        for path in [directory, snapshots, entries] { try DurableFiles.makeDirectory(path) }
        for path in [directory, snapshots, entries] {
            for name in DurableFiles.names(in: path) where name.hasPrefix(DurableFiles.temporaryPrefix) {
                problems.append("\(path)/\(name): an interrupted write, removed")
                DurableFiles.remove(path + "/" + name)
            }
        }
        // Every snapshot is read and checked now, so a damaged one is found at start, not
        // when an operator needs it for a rollback.
        var verified: [String: Int] = [:]
        for name in DurableFiles.names(in: snapshots) where name.hasSuffix(".snapshot") {
            let version = String(name.dropLast(".snapshot".count))
            do throws(HistoryError) {
                guard let bytes = DurableFiles.read(snapshots + "/" + name) else { throw HistoryError(.storage, "cannot be read") }
                _ = try SnapshotArchive.decode(bytes, expectedVersion: version)
                verified[version] = bytes.count
            } catch {
                problems.append("\(snapshots)/\(name): \(error.message); set aside")
                Self.quarantine(snapshots + "/" + name)
            }
        }
        var loaded: [HistoryEntry] = []
        for name in DurableFiles.names(in: entries) {
            // Sequences set aside count too: a number once used is never used again.
            if let number = Int(name.prefix { $0.isNumber }) { nextSequence = max(nextSequence, number + 1) }
        }
        for name in DurableFiles.names(in: entries) where name.hasSuffix(".json") {
            let path = entries + "/" + name
            guard let bytes = DurableFiles.read(path), let entry = try? Self.decoder.decode(HistoryEntry.self, from: Data(bytes)),
                  name == Self.entryFileName(entry.sequence) else {
                problems.append("\(path): not a readable history entry; set aside")
                Self.quarantine(path)
                continue
            }
            guard verified[entry.version] != nil else {
                problems.append("\(path): its snapshot \(entry.version) is missing or damaged; set aside")
                Self.quarantine(path)
                continue
            }
            loaded.append(entry)
        }
        self.entries = loaded.sorted { $0.sequence < $1.sequence }
        nextSequence = max(nextSequence, (self.entries.last?.sequence ?? 0) + 1)
        if let bytes = DurableFiles.read(directory + "/pins.json") {
            if let stored = try? Self.decoder.decode([String: Pin].self, from: Data(bytes)) {
                for (group, pin) in stored.sorted(by: { $0.key < $1.key }) {
                    if verified[pin.version] != nil {
                        pins[group] = pin
                    } else {
                        problems.append("pin of \(group) to \(pin.version): its snapshot is missing or damaged; unpinned")
                    }
                }
                if pins.count != stored.count { try? savePins() }
            } else {
                problems.append("\(directory)/pins.json: not readable; set aside, no group is pinned")
                Self.quarantine(directory + "/pins.json")
            }
        }
        if let bytes = DurableFiles.read(directory + "/inputs.json") {
            if let stored = try? Self.decoder.decode(StoredBaseline.self, from: Data(bytes)) {
                baseline = (stored.sequence, InputDigests(files: stored.files, objects: stored.objects))
            } else {
                problems.append("\(directory)/inputs.json: not readable; the next entry's changes will not be known")
                Self.quarantine(directory + "/inputs.json")
            }
        }
        // Snapshots no entry or pin names: left by a crash between writing a snapshot and its
        // entry, or between removing an entry and its snapshot.
        let referenced = Set(self.entries.map(\.version)).union(pins.values.map(\.version))
        for (version, size) in verified {
            if referenced.contains(version) {
                sizes[version] = size
            } else {
                DurableFiles.remove(snapshots + "/" + version + ".snapshot")
            }
        }
    }

    // MARK: Reading

    /// The snapshot stored as `version` (read and checked again from its file).
    func snapshot(_ version: String) throws(HistoryError) -> Snapshot {
        if let snapshot = held[version] { return snapshot }
        guard let snapshotsDirectory, sizes[version] != nil else { throw HistoryError(.unknownVersion, "no stored snapshot has version \(version)") }
        guard let bytes = DurableFiles.read(snapshotsDirectory + "/" + version + ".snapshot") else {
            throw HistoryError(.storage, "\(snapshotsDirectory)/\(version).snapshot cannot be read")
        }
        return try SnapshotArchive.decode(bytes, expectedVersion: version)
    }

    /// Bytes of all stored snapshots.
    var totalBytes: Int { sizes.values.reduce(0, +) }

    /// The newest entry of `group`.
    func newest(of group: String) -> HistoryEntry? {
        entries.last { $0.group == group }
    }

    // MARK: Writing

    /// Records a new entry (and its snapshot, unless that version is stored already).
    /// A write that fails is reported; the entry is then kept in memory for this process.
    mutating func append(group: String, snapshot: Snapshot, changes: InputChanges, at date: Date, served: Bool, problems: inout [String]) -> HistoryEntry {
        if sizes[snapshot.version] == nil {
            if let snapshotsDirectory {
                let bytes = SnapshotArchive.encode(snapshot)
                do {
                    try DurableFiles.write(bytes, to: snapshot.version + ".snapshot", in: snapshotsDirectory)
                } catch {
                    problems.append("snapshot \(snapshot.version) of \(group) kept in memory only: \(error.message)")
                    held[snapshot.version] = snapshot
                }
                sizes[snapshot.version] = bytes.count
            } else {
                held[snapshot.version] = snapshot
                sizes[snapshot.version] = snapshot.encodedByteCount
            }
        }
        let entry = HistoryEntry(
            sequence: nextSequence, group: group, version: snapshot.version, recordedAt: date, servedAt: served ? date : nil,
            resourceCount: snapshot.resourceCount, byteCount: snapshot.encodedByteCount, changes: changes
        ).normalized
        nextSequence += 1
        entries.append(entry)
        save(entry, problems: &problems)
        return entry
    }

    /// Replaces the stored entry with the same sequence (its proxies or served time changed).
    mutating func update(_ entry: HistoryEntry, problems: inout [String]) {
        let entry = entry.normalized
        guard let index = entries.firstIndex(where: { $0.sequence == entry.sequence }), entries[index] != entry else { return }
        entries[index] = entry
        save(entry, problems: &problems)
    }

    private func save(_ entry: HistoryEntry, problems: inout [String]) {
        guard let entriesDirectory else { return }
        do {
            try DurableFiles.write(Array(try Self.encoder.encode(entry)), to: Self.entryFileName(entry.sequence), in: entriesDirectory)
        } catch let error as HistoryError {
            problems.append("history entry \(entry.sequence) not written: \(error.message)")
        } catch {
            problems.append("history entry \(entry.sequence) not encoded: \(error)")
        }
    }

    /// Pins `group` to `version` (nil unpins), durably: an error leaves the pins as they were.
    mutating func setPin(_ group: String, to version: String?, at date: Date) throws(HistoryError) {
        let before = pins
        pins[group] = version.map { Pin(version: $0, since: date.wholeMilliseconds) }
        do {
            try savePins()
        } catch {
            pins = before
            throw error
        }
    }

    private func savePins() throws(HistoryError) {
        guard let directory else { return }
        let bytes: Data
        do { bytes = try Self.encoder.encode(pins) } catch { throw HistoryError(.storage, "pins not encoded: \(error)") }
        try DurableFiles.write(Array(bytes), to: "pins.json", in: directory)
    }

    /// Keeps `digests` as the inputs of entry `sequence`, the newest.
    mutating func saveBaseline(_ digests: InputDigests, sequence: Int, problems: inout [String]) {
        baseline = (sequence, digests)
        guard let directory else { return }
        do {
            let stored = StoredBaseline(sequence: sequence, files: digests.files, objects: digests.objects)
            try DurableFiles.write(Array(try Self.encoder.encode(stored)), to: "inputs.json", in: directory)
        } catch let error as HistoryError {
            problems.append("input digests not written: \(error.message)")
        } catch {
            problems.append("input digests not encoded: \(error)")
        }
    }

    /// Removes the oldest entries until both limits hold, never one in `protected` (sequences);
    /// a snapshot goes when no entry or pin names it any more. Returns the entries removed.
    mutating func evict(protecting protected: Set<Int>) -> [HistoryEntry] {
        var removed: [HistoryEntry] = []
        while entries.count > limits.maxEntries || totalBytes > limits.maxBytes,
              let index = entries.firstIndex(where: { !protected.contains($0.sequence) }) {
            let entry = entries.remove(at: index)
            removed.append(entry)
            // The entry's file first: a crash before the snapshot's removal leaves an
            // unreferenced snapshot, which the next load removes.
            if let entriesDirectory { DurableFiles.remove(entriesDirectory + "/" + Self.entryFileName(entry.sequence)) }
            let stillNamed = entries.contains { $0.version == entry.version } || pins.values.contains { $0.version == entry.version }
            if !stillNamed {
                sizes[entry.version] = nil
                held[entry.version] = nil
                if let snapshotsDirectory { DurableFiles.remove(snapshotsDirectory + "/" + entry.version + ".snapshot") }
            }
        }
        return removed
    }

    // MARK: Files

    static func entryFileName(_ sequence: Int) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits + ".json"
    }

    /// Moves a damaged file out of the way (kept for inspection, never read again).
    private static func quarantine(_ path: String) {
        DurableFiles.remove(path + ".corrupt")
        if rename(path, path + ".corrupt") != 0 { DurableFiles.remove(path) }
    }

    private struct StoredBaseline: Codable {
        var sequence: Int
        var files: [String: String]
        var objects: [String: String]
    }

    // Field names as in the Swift types: key strategies would rewrite dictionary keys too
    // (an object key `HTTPRoute ns/a` would not survive snake_case).
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        // Whole milliseconds, as integers: what is read back equals what was written.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Int64((date.timeIntervalSince1970 * 1_000).rounded()))
        }
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            Date(timeIntervalSince1970: Double(try decoder.singleValueContainer().decode(Int64.self)) / 1_000)
        }
        return decoder
    }
}
