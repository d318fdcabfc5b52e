import Foundation

/// Files of the state directory, written so that a crash at any moment leaves either the old
/// file or the new one, never a torn one: the bytes go to a temporary file in the same
/// directory, which is flushed to disk (fsync) and renamed over the target, and then the
/// directory itself is flushed so the rename survives a power cut too.
///
/// Everything is private to the user running `serve`: directories 0700, files 0600, since
/// stored snapshots hold TLS private keys.
struct DurableFiles {
    /// Temporary files start with this; any found at load is what a crash interrupted.
    static let temporaryPrefix = ".tmp-"

    /// Creates `path` (and missing parents) as 0700; an existing directory is left as it is.
    static func makeDirectory(_ path: String) throws(HistoryError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw HistoryError(.storage, "\(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw HistoryError(.storage, "cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Replaces `name` in `directory` with `bytes`, atomically and durably.
    static func write(_ bytes: [UInt8], to name: String, in directory: String) throws(HistoryError) {
        let target = directory + "/" + name
        let temporary = directory + "/" + temporaryPrefix + name + "-" + String(getpid())
        // O_EXCL after unlink: a stale file of an earlier process with the same pid is replaced,
        // never appended to.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw HistoryError(.storage, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: Data(bytes))
            try handle.synchronize()
            try handle.close()
        } catch {
            unlink(temporary)
            throw HistoryError(.storage, "cannot write \(target): \(error.localizedDescription)")
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw HistoryError(.storage, "cannot rename \(temporary) to \(target): \(reason)")
        }
        try synchronize(directory: directory)
    }

    /// Flushes a directory's entries (new names, renames) to disk.
    static func synchronize(directory: String) throws(HistoryError) {
        guard let handle = FileHandle(forReadingAtPath: directory) else {
            throw HistoryError(.storage, "cannot open \(directory)")
        }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw HistoryError(.storage, "cannot flush \(directory): \(error.localizedDescription)")
        }
    }

    /// The whole file, or nil when it cannot be read.
    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    /// The names in `directory` (none when it cannot be listed).
    static func names(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// The size of a file in bytes, or nil.
    static func size(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int
    }

    /// Removes a file; a missing file is not an error (a crash may have removed it already).
    static func remove(_ path: String) {
        unlink(path)
    }
}
