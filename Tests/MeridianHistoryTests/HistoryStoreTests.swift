import EnvoyAPI
import Foundation
@testable import MeridianHistory
import MeridianLoad
import MeridianServe
import MeridianTestSupport
import Testing

/// The state directory: snapshot files rebuild the same snapshot, any damage is found and
/// set aside, what a crash leaves mid-write is cleaned up, bounds hold, a reload gives back
/// what was written, and only the owner can read it.
@Suite("History store on disk", .timeLimit(.minutes(2)))
struct HistoryStoreTests {
    static let noChanges = InputChanges(baselineKnown: true, files: NameChanges(), objects: NameChanges())

    @Test("a snapshot file rebuilds the same snapshot: version, bytes and references")
    func archiveRoundTrip() throws {
        let snapshot = try HistoryInputs.snapshot(weights: (80, 20), path: "/b")
        let decoded = try SnapshotArchive.decode(SnapshotArchive.encode(snapshot), expectedVersion: snapshot.version)
        #expect(decoded.version == snapshot.version)
        for type in ResourceType.allCases {
            #expect(decoded.resources[type] == snapshot.resources[type], "\(type)")
        }
        #expect(decoded.resources[.listener]?.first?.references.isEmpty == false, "a listener names its route configuration")
    }

    @Test("every truncation and every flipped byte of a snapshot file is refused, none crashes")
    func archiveDamage() throws {
        let snapshot = try HistoryInputs.snapshot(weights: (80, 20))
        let bytes = SnapshotArchive.encode(snapshot)
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 400)) + [bytes.count - 1] {
            #expect(throws: HistoryError.self, "truncated to \(length)") {
                try SnapshotArchive.decode(Array(bytes.prefix(length)), expectedVersion: snapshot.version)
            }
        }
        for offset in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            var damaged = bytes
            damaged[offset] ^= 0x41
            #expect(throws: HistoryError.self, "byte \(offset) flipped") { try SnapshotArchive.decode(damaged, expectedVersion: snapshot.version) }
        }
        // A sound file under another version's name is not served as that version.
        #expect(throws: HistoryError.self) { try SnapshotArchive.decode(bytes, expectedVersion: String(repeating: "0", count: 64)) }
    }

    @Test("reload gives back entries, pins and input digests; files are 0600 in 0700 directories")
    func reload() throws {
        // A state directory that does not exist yet: serve creates it, and creates it private.
        let directory = try HistoryInputs.scratch("reload") + "/state"
        var problems: [String] = []
        var store = try HistoryStore(directory: directory, limits: HistoryLimits(), problems: &problems)
        let snapshots = try [(90, 10), (50, 50), (10, 90)].map { try HistoryInputs.snapshot(weights: $0) }
        var written: [HistoryEntry] = []
        for (index, snapshot) in snapshots.enumerated() {
            let changes = InputChanges(baselineKnown: index > 0, files: NameChanges(changed: ["routes.yaml"]), objects: NameChanges(changed: ["HTTPRoute ns/split"]))
            written.append(store.append(group: HistoryInputs.group, snapshot: snapshot, changes: changes, at: Date(timeIntervalSince1970: Double(1_000 + index)), served: true, problems: &problems))
        }
        var acked = written[1]
        _ = acked.proxies.addAck(node: "envoy-1", at: Date(timeIntervalSince1970: 2_000))
        _ = acked.proxies.addNack(node: "envoy-2", type: "Listener", error: "bad listener", at: Date(timeIntervalSince1970: 2_001))
        store.update(acked, problems: &problems)
        written[1] = acked
        try store.setPin(HistoryInputs.group, to: snapshots[0].version, at: Date(timeIntervalSince1970: 3_000))
        let digests = InputDigests(files: ["routes.yaml": "aa"], objects: ["HTTPRoute ns/split": "bb"])
        store.saveBaseline(digests, sequence: written[2].sequence, problems: &problems)
        #expect(problems.isEmpty)

        var reloadProblems: [String] = []
        let reloaded = try HistoryStore(directory: directory, limits: HistoryLimits(), problems: &reloadProblems)
        #expect(reloadProblems.isEmpty)
        #expect(reloaded.entries == written)
        #expect(reloaded.pins[HistoryInputs.group] == Pin(version: snapshots[0].version, since: Date(timeIntervalSince1970: 3_000)))
        #expect(reloaded.baseline?.sequence == written[2].sequence)
        #expect(reloaded.baseline?.digests == digests)
        for snapshot in snapshots { #expect(try reloaded.snapshot(snapshot.version).version == snapshot.version) }

        for path in [directory, directory + "/snapshots", directory + "/entries"] {
            #expect(Self.permissions(path) == 0o700, "\(path)")
        }
        let files = ["pins.json", "inputs.json"] + DurableFiles.names(in: directory + "/snapshots").map { "snapshots/" + $0 }
            + DurableFiles.names(in: directory + "/entries").map { "entries/" + $0 }
        #expect(files.count == 2 + 3 + 3)
        for file in files { #expect(Self.permissions(directory + "/" + file) == 0o600, "\(file)") }
    }

    @Test("what a crash leaves is cleaned up and reported: torn temporary files, a partial entry, a damaged snapshot, an orphan")
    func crashLeftovers() throws {
        let directory = try HistoryInputs.scratch("torn")
        var problems: [String] = []
        var store = try HistoryStore(directory: directory, limits: HistoryLimits(), problems: &problems)
        let snapshots = try [(90, 10), (50, 50), (10, 90)].map { try HistoryInputs.snapshot(weights: $0) }
        let entries = snapshots.map { store.append(group: HistoryInputs.group, snapshot: $0, changes: Self.noChanges, at: Date(), served: true, problems: &problems) }

        // A crash in the middle of DurableFiles.write: the temporary file has half its bytes.
        let archive = SnapshotArchive.encode(try HistoryInputs.snapshot(weights: (1, 2)))
        try Data(archive.prefix(archive.count / 2)).write(to: URL(fileURLWithPath: directory + "/snapshots/.tmp-x.snapshot-999"))
        try Data("{\"sequ".utf8).write(to: URL(fileURLWithPath: directory + "/entries/.tmp-0000000000000004.json-999"))
        // Damage that no crash of ours makes but a disk can: entry 2 cut short, snapshot 3 truncated.
        let entryTwo = directory + "/entries/" + HistoryStore.entryFileName(entries[1].sequence)
        let entryBytes = try Data(contentsOf: URL(fileURLWithPath: entryTwo))
        try entryBytes.prefix(entryBytes.count / 2).write(to: URL(fileURLWithPath: entryTwo))
        let snapshotThree = directory + "/snapshots/" + snapshots[2].version + ".snapshot"
        let snapshotBytes = try Data(contentsOf: URL(fileURLWithPath: snapshotThree))
        try snapshotBytes.prefix(snapshotBytes.count - 10).write(to: URL(fileURLWithPath: snapshotThree))
        // A snapshot whose entry was never written (a crash between the two writes).
        let orphan = try HistoryInputs.snapshot(weights: (3, 4))
        try Data(SnapshotArchive.encode(orphan)).write(to: URL(fileURLWithPath: directory + "/snapshots/" + orphan.version + ".snapshot"))

        var reloadProblems: [String] = []
        let reloaded = try HistoryStore(directory: directory, limits: HistoryLimits(), problems: &reloadProblems)
        #expect(reloaded.entries == [entries[0]], "only the intact entry with an intact snapshot is kept")
        #expect(try reloaded.snapshot(snapshots[0].version).version == snapshots[0].version)
        #expect(reloadProblems.count == 5, "\(reloadProblems)")
        #expect(reloadProblems.filter { $0.contains("interrupted write") }.count == 2)
        #expect(reloadProblems.contains { $0.contains(HistoryStore.entryFileName(entries[1].sequence)) && $0.contains("not a readable history entry") })
        #expect(reloadProblems.contains { $0.contains(snapshots[2].version) && $0.contains("checksum") })
        #expect(reloadProblems.contains { $0.contains(HistoryStore.entryFileName(entries[2].sequence)) && $0.contains("missing or damaged") })
        let names = Set(DurableFiles.names(in: directory + "/snapshots") + DurableFiles.names(in: directory + "/entries"))
        #expect(!names.contains { $0.hasPrefix(".tmp-") })
        #expect(!names.contains(orphan.version + ".snapshot"), "the orphan is removed")
        #expect(names.contains(snapshots[2].version + ".snapshot.corrupt"), "damage is kept aside for inspection")

        // Loading again finds nothing more to report, and new entries do not reuse a sequence.
        var third: [String] = []
        var again = try HistoryStore(directory: directory, limits: HistoryLimits(), problems: &third)
        #expect(third.isEmpty, "\(third)")
        let next = again.append(group: HistoryInputs.group, snapshot: snapshots[1], changes: Self.noChanges, at: Date(), served: true, problems: &third)
        #expect(next.sequence == entries[2].sequence + 1)
    }

    @Test("bounds: oldest entries go first, never a protected one; a snapshot goes with its last entry")
    func bounds() throws {
        let directory = try HistoryInputs.scratch("bounds")
        var problems: [String] = []
        var store = try HistoryStore(directory: directory, limits: HistoryLimits(maxEntries: 3, maxBytes: 1 << 30), problems: &problems)
        let snapshots = try (1...6).map { try HistoryInputs.snapshot(weights: ($0, 100 - $0)) }
        var entries: [HistoryEntry] = []
        for snapshot in snapshots {
            entries.append(store.append(group: HistoryInputs.group, snapshot: snapshot, changes: Self.noChanges, at: Date(), served: true, problems: &problems))
            // The first entry stands for a pinned one here: it must survive.
            _ = store.evict(protecting: [entries[0].sequence, entries.last!.sequence])
        }
        #expect(store.entries.map(\.sequence) == [entries[0], entries[4], entries[5]].map(\.sequence))
        #expect(Set(DurableFiles.names(in: directory + "/snapshots")) == Set([0, 4, 5].map { snapshots[$0].version + ".snapshot" }))
        #expect(DurableFiles.names(in: directory + "/entries").count == 3)

        // A byte bound of one snapshot keeps only what is protected.
        let size = try #require(store.sizes[snapshots[5].version])
        var tight = try HistoryStore(directory: directory, limits: HistoryLimits(maxEntries: 100, maxBytes: size + 1), problems: &problems)
        let removed = tight.evict(protecting: [entries[5].sequence])
        #expect(removed.map(\.sequence) == [entries[0].sequence, entries[4].sequence])
        #expect(tight.totalBytes <= size + 1)
        #expect(problems.isEmpty)
    }

    static func permissions(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int ?? -1) & 0o777
    }
}
