import CGRPCCore
import Glibc
import Synchronization
import TLSCertificates

/// TLS on the server's port: PEM files, checked at start and re-read when they change.
public struct ServerTLS: Sendable {
    /// The server's certificate chain, leaf first.
    public var certificateChainPath: String
    /// The leaf's private key (unencrypted).
    public var privateKeyPath: String
    /// When set, clients must present a certificate this CA bundle verifies (mTLS); clients
    /// without one are refused during the handshake.
    public var clientCAPath: String?
    /// Told when changed files are taken into use, or refused (the last good ones keep serving).
    /// Called on a gRPC core thread, during a handshake: it must not block.
    public var onReload: (@Sendable (TLSReloadEvent) -> Void)?

    public init(certificateChainPath: String, privateKeyPath: String, clientCAPath: String? = nil,
                onReload: (@Sendable (TLSReloadEvent) -> Void)? = nil) {
        self.certificateChainPath = certificateChainPath
        self.privateKeyPath = privateKeyPath
        self.clientCAPath = clientCAPath
        self.onReload = onReload
    }
}

/// What a look at changed certificate files found.
public enum TLSReloadEvent: Sendable, CustomStringConvertible {
    /// New files are served from the next handshake on.
    case reloaded(commonName: String?, fingerprint: String)
    /// The changed files are invalid; the last good ones keep serving. Reported once per change.
    case rejected(TLSFileProblem)

    public var description: String {
        switch self {
        case .reloaded(let commonName, let fingerprint): "reloaded certificate \(commonName ?? "(no common name)") sha256 \(fingerprint)"
        case .rejected(let problem): "kept the previous certificate: \(problem)"
        }
    }
}

/// Which file is wrong, and why.
public struct TLSFileProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): \(reason)" }
}

/// The PEM text gRPC core is given.
struct TLSMaterial: Equatable {
    var chain: [UInt8]
    var key: [UInt8]
    var clientCA: [UInt8]?
}

/// Reads and checks the files of a `ServerTLS`, and decides at each handshake whether gRPC
/// core should take new ones.
///
/// gRPC core asks at every handshake. Three `stat` calls (device, inode, size, mtime) tell
/// whether anything changed, so the files are read only after a change; a change that is
/// invalid (a half-written file, a key that does not match) is reported once and then
/// ignored until the files change again, and the certificate already served stays.
final class TLSFileWatch: Sendable {
    private struct FileSignature: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modifiedSeconds: Int
        var modifiedNanoseconds: Int
    }

    private struct State {
        /// The files' signatures when `loaded` was read; nil until gRPC core was first given it.
        var servedSignatures: [FileSignature?]?
        var loaded: TLSMaterial
        var loadedSignatures: [FileSignature?]
        var rejectedSignatures: [FileSignature?]?
    }

    let tls: ServerTLS
    private let state: Mutex<State>

    /// Reads and checks the files; throws naming the first bad file.
    init(_ tls: ServerTLS) throws(TLSFileProblem) {
        self.tls = tls
        let signatures = Self.signatures(tls)
        let material = try Self.load(tls)
        state = Mutex(State(servedSignatures: nil, loaded: material, loadedSignatures: signatures))
    }

    /// A watch for a new gRPC core server (a rebound listener) that starts from `previous`'s
    /// last good files: gRPC core insists on a certificate at its first ask, even if the
    /// files are bad right now.
    init(continuing previous: TLSFileWatch) {
        tls = previous.tls
        let (loaded, signatures) = previous.state.withLock { ($0.loaded, $0.servedSignatures ?? $0.loadedSignatures) }
        state = Mutex(State(servedSignatures: nil, loaded: loaded, loadedSignatures: signatures))
    }

    /// The material gRPC core should switch to, or nil to keep what it has.
    func fetch() -> TLSMaterial? {
        let signatures = Self.signatures(tls)
        let decision = state.withLock { state -> (TLSMaterial?, needsRead: Bool) in
            if state.servedSignatures == nil {
                state.servedSignatures = state.loadedSignatures
                return (state.loaded, false)
            }
            if signatures == state.servedSignatures || signatures == state.rejectedSignatures { return (nil, false) }
            return (nil, true)
        }
        guard decision.needsRead else { return decision.0 }

        let result: Result<TLSMaterial, TLSFileProblem>
        do { result = .success(try Self.load(tls)) } catch { result = .failure(error) }
        let (material, event) = state.withLock { state -> (TLSMaterial?, TLSReloadEvent?) in
            switch result {
            case .failure(let problem):
                // Once per change: a later handshake finds these signatures and skips the read.
                guard state.rejectedSignatures != signatures else { return (nil, nil) }
                state.rejectedSignatures = signatures
                return (nil, .rejected(problem))
            case .success(let material):
                state.servedSignatures = signatures
                state.rejectedSignatures = nil
                // Touched but identical: nothing for gRPC core to rebuild.
                guard material != state.loaded else { return (nil, nil) }
                state.loaded = material
                let summary = try? CertificateInspection.inspect(certificateChainPEM: material.chain, privateKeyPEM: material.key,
                                                                 at: CertificateInspection.currentTime()).get()
                return (material, .reloaded(commonName: summary?.commonName, fingerprint: summary?.sha256Fingerprint ?? ""))
            }
        }
        if let event { tls.onReload?(event) }
        return material
    }

    private static func load(_ tls: ServerTLS) throws(TLSFileProblem) -> TLSMaterial {
        let chain = try read(tls.certificateChainPath)
        let key = try read(tls.privateKeyPath)
        switch CertificateInspection.inspect(certificateChainPEM: chain, privateKeyPEM: key, at: CertificateInspection.currentTime()) {
        case .success: break
        case .failure(let problem):
            // A key problem names the key file; every other one is the certificate's.
            switch problem {
            case .noPrivateKey, .encryptedPrivateKey, .malformedPrivateKey, .keyMismatch, .unsupportedKey:
                throw TLSFileProblem(path: tls.privateKeyPath, reason: problem.description)
            default:
                throw TLSFileProblem(path: tls.certificateChainPath, reason: problem.description)
            }
        }
        var clientCA: [UInt8]?
        if let path = tls.clientCAPath {
            let bundle = try read(path)
            if case .failure(let problem) = CertificateInspection.inspectTrustBundle(bundle) {
                throw TLSFileProblem(path: path, reason: problem.description)
            }
            clientCA = bundle
        }
        return TLSMaterial(chain: chain, key: key, clientCA: clientCA)
    }

    private static func read(_ path: String) throws(TLSFileProblem) -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw TLSFileProblem(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count { break }
            // A PEM bundle is kilobytes; a huge file is a mistake, not a certificate.
            guard bytes.count <= 4 << 20 else { throw TLSFileProblem(path: path, reason: "larger than 4 MiB") }
        }
        guard ferror(file) == 0 else { throw TLSFileProblem(path: path, reason: "read error") }
        return bytes
    }

    private static func signatures(_ tls: ServerTLS) -> [FileSignature?] {
        [tls.certificateChainPath, tls.privateKeyPath, tls.clientCAPath].map { path in
            guard let path else { return nil }
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return FileSignature(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                                 modifiedSeconds: info.st_mtim.tv_sec, modifiedNanoseconds: info.st_mtim.tv_nsec)
        }
    }
}

/// The C fetcher gRPC core calls, owning its `mgrpc_tls_fetcher`; it keeps the watch alive
/// as long as gRPC core may call it, so it must outlive the server.
final class TLSFetcher: Sendable {
    let watch: TLSFileWatch
    private let fetcher: CoreFetcher

    /// A `mgrpc_tls_fetcher*`: immutable once made, so it may cross threads.
    private struct CoreFetcher: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    init(watch: TLSFileWatch) {
        self.watch = watch
        fetcher = CoreFetcher(pointer: mgrpc_tls_fetcher_create({ context, chain, key, clientCA in
            guard let context, let chain, let key, let clientCA else { return 0 }
            let watch = Unmanaged<TLSFileWatch>.fromOpaque(context).takeUnretainedValue()
            guard let material = watch.fetch() else { return 0 }
            // PEM text: gRPC core wants C strings, which it copies; the shim frees these.
            chain.pointee = strdup(String(decoding: material.chain, as: UTF8.self))
            key.pointee = strdup(String(decoding: material.key, as: UTF8.self))
            clientCA.pointee = material.clientCA.map { strdup(String(decoding: $0, as: UTF8.self)) } ?? nil
            return 1
        }, Unmanaged.passUnretained(watch).toOpaque())!)
    }

    var pointer: OpaquePointer { fetcher.pointer }

    deinit { mgrpc_tls_fetcher_destroy(fetcher.pointer) }
}
