import Foundation
import Glibc
import MeridianLoad
import Synchronization

/// Changes to the configuration files, as inotify reports them.
///
/// A reload can start the moment a file is renamed into place (how editors and deploy tools
/// save), closed after writing in place (`IN_CLOSE_WRITE`: never half-written), removed, or
/// has its permissions changed: no polling and no quiet period. Directories are watched, not
/// files, so a rename over a file is seen; for a path that names a file, only that name in
/// its directory counts. Kubernetes ConfigMap volumes swap a `..data` symlink: entries whose
/// name starts with `..` count too.
///
/// `changes` yields once per batch of events and keeps at most one undelivered: a burst of
/// writes costs one reload after the reload in progress. It finishes when a watched
/// directory goes away (the caller then polls) or on `stop()`.
final class ConfigurationFileEvents: @unchecked Sendable {
    // @unchecked Sendable: the descriptors and `watches` are set in init and never change;
    // only the reading thread reads the inotify descriptor, and `stop()` only writes one byte
    // to the wake pipe. The reading thread closes the descriptors as it ends, under `ended`,
    // which `stop()` checks under the same lock: it never writes to a closed (or reused) one.
    private let inotify: Int32
    private let ended = Mutex(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let watches: [Int32: Watch]
    let changes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    private struct Watch {
        var directory: String
        /// For a path naming one file: its name in the watched directory; nil for a directory.
        var onlyName: String?
    }

    /// Watches `paths`; nil when inotify cannot watch them all (not available, too many
    /// watches, a path that does not exist yet): the caller polls instead.
    init?(paths: [String]) {
        let inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0 else { return nil }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            close(inotify)
            return nil
        }
        // Not inherited by the processes serve starts (none today; tests start Envoys).
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var watches: [Int32: Watch] = [:]
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
        for path in paths {
            var status = stat()
            guard stat(path, &status) == 0 else { watches = [:]; break }
            let isDirectory = status.st_mode & S_IFMT == S_IFDIR
            let directory = isDirectory ? path : (path as NSString).deletingLastPathComponent
            let watched = directory.isEmpty ? "." : directory
            let descriptor = inotify_add_watch(inotify, watched, mask)
            guard descriptor >= 0 else { watches = [:]; break }
            // Two paths in one directory share its watch, which then takes any configuration
            // file there (a superset: at worst a reload that changes nothing).
            let name = watches[descriptor] == nil && !isDirectory ? (path as NSString).lastPathComponent : nil
            watches[descriptor] = Watch(directory: watched, onlyName: name)
        }
        guard !watches.isEmpty else {
            close(inotify)
            close(pipeEnds[0])
            close(pipeEnds[1])
            return nil
        }
        self.inotify = inotify
        wakeRead = pipeEnds[0]
        wakeWrite = pipeEnds[1]
        self.watches = watches
        (changes, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let thread = Thread { [self] in readEvents() }
        thread.name = "meridian-inotify"
        thread.start()
    }

    /// Ends `changes` and the reading thread.
    func stop() {
        ended.withLock { ended in
            guard !ended else { return }
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    private func readEvents() {
        defer {
            continuation.finish()
            ended.withLock { ended in
                ended = true
                close(inotify)
                close(wakeRead)
                close(wakeWrite)
            }
        }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            var descriptors = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            let (relevant, lost) = scan(buffer[..<count])
            if relevant { continuation.yield(()) }
            if lost { return }
        }
    }

    /// Whether a batch of events touches configuration, and whether a watch was lost.
    ///
    /// Each event is `struct inotify_event` (wd, mask, cookie, len: four 32-bit words in the
    /// machine's order, little-endian on the Linux targets Meridian builds for) followed by
    /// `len` bytes of NUL-padded name, read here from the bytes.
    private func scan(_ bytes: ArraySlice<UInt8>) -> (relevant: Bool, lost: Bool) {
        func word(_ at: Int) -> UInt32 {
            bytes[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        var relevant = false
        var lost = false
        var offset = bytes.startIndex
        let headerSize = 16
        while offset + headerSize <= bytes.endIndex {
            let wd = Int32(bitPattern: word(offset))
            let mask = word(offset + 4)
            let nameStart = offset + headerSize
            let nameEnd = min(nameStart + Int(word(offset + 12)), bytes.endIndex)
            let name = String(decoding: bytes[nameStart..<nameEnd].prefix { $0 != 0 }, as: UTF8.self)
            offset = nameEnd
            if mask & UInt32(IN_Q_OVERFLOW) != 0 { relevant = true; continue }
            if mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED) != 0 {
                relevant = true
                lost = true
                continue
            }
            guard let watch = watches[wd] else { continue }
            let counts = name.hasPrefix("..") || (watch.onlyName.map { $0 == name } ?? ConfigurationFileName.isConfiguration(name))
            guard counts else { continue }
            // A new file counts once written and closed (IN_CLOSE_WRITE follows), or renamed in;
            // only a new symlink, which no write follows, counts on creation.
            if mask & UInt32(IN_CREATE) != 0 {
                var status = stat()
                guard lstat(watch.directory + "/" + name, &status) == 0, status.st_mode & S_IFMT == S_IFLNK else { continue }
            }
            relevant = true
        }
        return (relevant, lost)
    }
}
