#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

/// The bytes of one manifest file and the name used for it in locations.
public struct ManifestSource: Sendable, Hashable {
    /// The file name as it should appear in errors.
    public var name: String
    /// The raw contents.
    public var bytes: [UInt8]

    /// A source from raw bytes.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }

    /// A source from text.
    public init(name: String, text: String) {
        self.init(name: name, bytes: Array(text.utf8))
    }
}

/// Finds manifest files on disk and reads them within the size limit.
///
/// Plain POSIX calls, so that every message names the path exactly as the user gave it and
/// says what went wrong in a few words, and so that a named pipe or a device that happens
/// to be called `*.yaml` is refused rather than opened and read (a pipe would block forever).
enum ManifestFileReader {
    /// A path expanded to files, or the error explaining why it cannot be.
    enum Expansion {
        case files([String])
        case failure(LoadError)
    }

    /// A file: itself. A directory: its `*.yaml` / `*.yml` entries (not hidden, not
    /// recursive, subdirectories left out), sorted by name; the entries that are not
    /// regular files are kept, so that reading them reports why they cannot be read.
    static func expand(_ path: String) -> Expansion {
        var status = stat()
        guard stat(path, &status) == 0 else {
            return .failure(unreadable(path, reason(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFDIR else { return .files([path]) }
        guard let directory = opendir(path) else {
            return .failure(unreadable(path, "cannot list directory: \(reason(errno))"))
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if ConfigurationFileName.isConfiguration(name) { names.append(name) }
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let files = names
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { prefix + $0 }
            .filter { file in
                var status = stat()
                return stat(file, &status) != 0 || status.st_mode & S_IFMT != S_IFDIR
            }
        return .files(files)
    }

    /// Reads a regular file, refusing it before reading when it exceeds `maxFileSize`.
    static func read(_ path: String, limits: LoadLimits) -> Result<ManifestSource, LoadError> {
        // Checked before opening: opening some devices has effects of its own.
        var status = stat()
        guard stat(path, &status) == 0 else { return .failure(unreadable(path, reason(errno))) }
        if let problem = notRegular(status) { return .failure(unreadable(path, problem)) }
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(unreadable(path, reason(errno))) }
        defer { close(descriptor) }
        // And again on what was opened: the path may have been replaced in between.
        guard fstat(descriptor, &status) == 0 else { return .failure(unreadable(path, reason(errno))) }
        if let problem = notRegular(status) { return .failure(unreadable(path, problem)) }
        if Int(status.st_size) > limits.maxFileSize {
            return .failure(tooLarge(path, size: Int(status.st_size), limit: limits.maxFileSize))
        }
        // The file may have grown since it was measured: read on until the end, or until one
        // byte past the limit.
        var bytes = [UInt8](repeating: 0, count: min(Int(status.st_size) + 1, limits.maxFileSize + 1))
        var count = 0
        while true {
            if count == bytes.count {
                guard bytes.count <= limits.maxFileSize else { break }
                bytes += [UInt8](repeating: 0, count: min(bytes.count, limits.maxFileSize + 1 - bytes.count))
            }
            let result = bytes.withUnsafeMutableBytes { buffer in
                systemRead(descriptor, buffer.baseAddress! + count, buffer.count - count)
            }
            if result < 0 {
                if errno == EINTR { continue }
                return .failure(unreadable(path, reason(errno)))
            }
            if result == 0 { break }
            count += result
        }
        if count > limits.maxFileSize {
            return .failure(tooLarge(path, size: count, limit: limits.maxFileSize))
        }
        bytes.removeSubrange(count...)
        return .success(ManifestSource(name: path, bytes: bytes))
    }

    static func tooLarge(_ name: String, size: Int, limit: Int) -> LoadError {
        LoadError(
            code: .fileTooLarge,
            message: "file is \(size) bytes, larger than the limit of \(limit) bytes; it was not parsed",
            location: .startOfFile(name)
        )
    }

    /// Why a file of this status cannot be read as a manifest, or nil for a regular file.
    private static func notRegular(_ status: stat) -> String? {
        switch status.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory"
        case S_IFIFO: return "not a regular file (a named pipe)"
        case S_IFCHR: return "not a regular file (a character device)"
        case S_IFBLK: return "not a regular file (a block device)"
        case S_IFSOCK: return "not a regular file (a socket)"
        default: return "not a regular file"
        }
    }

    /// A system error in a few lowercase words, e.g. `permission denied`.
    private static func reason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    private static func unreadable(_ path: String, _ reason: String) -> LoadError {
        LoadError(code: .fileUnreadable, message: "cannot read: \(reason)", location: .startOfFile(path))
    }
}
