#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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
enum ManifestFileReader {
    /// A path expanded to files, or the error explaining why it cannot be.
    enum Expansion {
        case files([String])
        case failure(LoadError)
    }

    /// A file: itself. A directory: its `*.yaml` / `*.yml` files (not hidden, not recursive), sorted by name.
    static func expand(_ path: String) -> Expansion {
        var isDirectory = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(unreadable(path, "no such file or directory"))
        }
        guard isDirectory else { return .files([path]) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            let reason = FileManager.default.isReadableFile(atPath: path) ? "\(error)" : "permission denied"
            return .failure(unreadable(path, "cannot list directory: \(reason)"))
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let files = names
            .filter { name in
                // Hidden files include editor lock files such as `.#routes.yaml`.
                let lowercased = name.lowercased()
                return !name.hasPrefix(".") && (lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml"))
            }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .map { prefix + $0 }
            .filter { file in
                var isSubdirectory = false
                return FileManager.default.fileExists(atPath: file, isDirectory: &isSubdirectory) && !isSubdirectory
            }
        return .files(files)
    }

    /// Reads a file, refusing it before reading when it exceeds `maxFileSize`.
    static func read(_ path: String, limits: LoadLimits) -> Result<ManifestSource, LoadError> {
        let size: Int
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            switch attributes[.size] {
            case let value as Int: size = value
            case let value as UInt64: size = Int(clamping: value)
            case let value as Int64: size = Int(clamping: value)
            default: size = 0
            }
        } catch {
            return .failure(unreadable(path, FileManager.default.fileExists(atPath: path) ? "\(error)" : "no such file or directory"))
        }
        if size > limits.maxFileSize {
            return .failure(tooLarge(path, size: size, limit: limits.maxFileSize))
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return .failure(unreadable(path, "permission denied"))
        }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            // The file may have grown since it was measured.
            if data.count > limits.maxFileSize {
                return .failure(tooLarge(path, size: data.count, limit: limits.maxFileSize))
            }
            return .success(ManifestSource(name: path, bytes: Array(data)))
        } catch {
            return .failure(unreadable(path, "\(error)"))
        }
    }

    static func tooLarge(_ name: String, size: Int, limit: Int) -> LoadError {
        LoadError(
            code: .fileTooLarge,
            message: "file is \(size) bytes, larger than the limit of \(limit) bytes; it was not parsed",
            location: .startOfFile(name)
        )
    }

    private static func unreadable(_ path: String, _ reason: String) -> LoadError {
        LoadError(code: .fileUnreadable, message: "cannot read: \(reason)", location: .startOfFile(path))
    }
}
