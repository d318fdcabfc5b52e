import ContentDigest
import EnvoyAPI
import MeridianServe

/// The file format of one stored snapshot: every resource's type, name, references and
/// encoded bytes, enough to rebuild the `Snapshot` and serve it again after a restart.
///
/// Layout (all integers big-endian):
///
///     "MRDNSNAP" u32(format) u32(resources)
///     per resource: str(type URL) str(name) u32(references) [str(type URL) str(name)]... bytes(message)
///     32 bytes: SHA-256 of everything before
///
/// where `str` and `bytes` are a u32 length and that many bytes. The checksum catches a
/// damaged file before anything is decoded; the rebuilt snapshot's version must then equal
/// the version the file is named by, so a file can never be served as another version.
enum SnapshotArchive {
    static let magic = Array("MRDNSNAP".utf8)
    static let format: UInt32 = 1

    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes += magic
        writer.u32(format)
        let resources = ResourceType.allCases.sorted().flatMap { snapshot.resources[$0] ?? [] }
        writer.u32(UInt32(resources.count))
        for resource in resources {
            writer.string(resource.type.typeURL)
            writer.string(resource.name)
            writer.u32(UInt32(resource.references.count))
            for reference in resource.references {
                writer.string(reference.type.typeURL)
                writer.string(reference.name)
            }
            writer.data(resource.message.bytes)
        }
        var digest = SHA256Digest()
        digest.update(writer.bytes)
        writer.bytes += digest.finalize()
        return writer.bytes
    }

    /// Rebuilds the snapshot stored as `version`; any damage is an error, never a crash.
    static func decode(_ bytes: [UInt8], expectedVersion version: String) throws(HistoryError) -> Snapshot {
        guard bytes.count >= magic.count + 8 + 32 else { throw corrupt(version, "too short (\(bytes.count) bytes)") }
        let body = bytes[..<(bytes.count - 32)]
        var digest = SHA256Digest()
        digest.update(body)
        guard digest.finalize() == Array(bytes[(bytes.count - 32)...]) else { throw corrupt(version, "checksum mismatch (a partial or damaged write)") }
        var reader = ByteReader(bytes: Array(body))
        guard reader.take(magic.count) == magic else { throw corrupt(version, "not a snapshot file") }
        guard let fileFormat = reader.u32(), fileFormat == format else { throw corrupt(version, "unknown format") }
        guard let count = reader.u32() else { throw corrupt(version, "truncated") }
        var resources: [XDSResource] = []
        for _ in 0..<count {
            guard let typeURL = reader.string(), let type = ResourceType(rawValue: typeURL),
                  let name = reader.string(), let referenceCount = reader.u32() else { throw corrupt(version, "bad resource header") }
            var references: [XDSResource.Reference] = []
            for _ in 0..<referenceCount {
                guard let referenceURL = reader.string(), let referenceType = ResourceType(rawValue: referenceURL),
                      let referenceName = reader.string() else { throw corrupt(version, "bad reference of \(type) \(name)") }
                references.append(XDSResource.Reference(type: referenceType, name: referenceName))
            }
            guard let message = reader.data() else { throw corrupt(version, "truncated \(type) \(name)") }
            resources.append(XDSResource(type: type, name: name, message: SerializedMessage(message), references: references))
        }
        guard reader.isAtEnd else { throw corrupt(version, "trailing bytes") }
        let snapshot: Snapshot
        do {
            snapshot = try Snapshot(resources: resources)
        } catch {
            throw corrupt(version, "\(error)")
        }
        guard snapshot.version == version else { throw corrupt(version, "holds version \(snapshot.version)") }
        return snapshot
    }

    private static func corrupt(_ version: String, _ reason: String) -> HistoryError {
        HistoryError(.corruptSnapshot, "snapshot \(version): \(reason)")
    }
}

/// Appends big-endian integers and length-prefixed byte strings.
private struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func data(_ data: [UInt8]) {
        u32(UInt32(data.count))
        bytes += data
    }

    mutating func string(_ text: String) { data(Array(text.utf8)) }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked and returns nil past the end.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func u32() -> UInt32? {
        take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
    }

    mutating func data() -> [UInt8]? {
        guard let count = u32() else { return nil }
        return take(Int(count))
    }

    mutating func string() -> String? {
        data().flatMap { String(validating: $0, as: UTF8.self) }
    }
}
