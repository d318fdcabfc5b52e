import CGRPCCore
import Foundation
import Synchronization

/// Notices that gRPC core's own listener stopped accepting, and has the server rebind it.
///
/// A TLS port cannot use `ConnectionAcceptor` (gRPC core 1.51 takes handed-over sockets
/// with insecure credentials only), so gRPC core accepts, and after one EMFILE on accept its
/// listener is dead for good. That can only happen near the descriptor limit, so only while
/// descriptors are, or were in the last minute, near it does the watchdog probe the port
/// (a loopback connect plus the HTTP/2 preface, which any live listener answers at once,
/// even if only by closing); two silent probes in a row (or two without a descriptor to
/// probe with) and it asks for a rebind. Away from the limit it costs one /proc/self/fd
/// count a second.
final class ListenerWatchdog: Sendable {
    private let probeHost: String
    private let port: Int
    private let headroom: Int
    private let rebind: @Sendable () -> Bool
    private let stopping = Atomic<Bool>(false)
    private let stopped = ThreadEnd()

    /// Watches `port` of the listening `host` (a wildcard address is probed on loopback);
    /// `rebind` replaces the listener and says whether the new one listens.
    init(host: String, port: Int, headroom: Int, rebind: @escaping @Sendable () -> Bool) {
        switch host {
        case "", "0.0.0.0", "localhost": probeHost = "127.0.0.1"
        case "::": probeHost = "::1"
        default: probeHost = host
        }
        self.port = port
        self.headroom = headroom
        self.rebind = rebind
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "grpc-listener-watchdog"
        thread.start()
    }

    /// Stops watching; returns once the thread (and any rebind it was doing) has ended.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        await stopped.wait()
    }

    private func run() {
        var nearUntil: ContinuousClock.Instant?
        var silentProbes = 0
        var tick = 0
        while !stopping.load(ordering: .acquiring) {
            // After a silent probe the next follows at once: a dead listener is replaced
            // within two probe timeouts of being noticed.
            if silentProbes == 0 { usleep(200_000) }
            tick += 1
            let now = ContinuousClock.now
            let near = nearUntil.map { now < $0 } ?? false
            // Counted every tick while near the limit, else every second (a count reads one
            // directory entry per open descriptor).
            if near || tick % 5 == 0 {
                let limit = DescriptorLimits.current().soft
                // Counting needs a descriptor itself: 0 means it could not even open the directory.
                let count = DescriptorLimits.openCount()
                if count == 0 || count + max(headroom, limit / 20) >= limit { nearUntil = now.advanced(by: .seconds(60)) }
            }
            guard let until = nearUntil, now < until else {
                silentProbes = 0
                continue
            }
            switch mgrpc_probe_listener(probeHost, Int32(port), 300) {
            case 1: silentProbes = 0
            // Silent; or the process is out of descriptors, and then gRPC core's listener has
            // died on its next pending connection or will on the next one: retiring it at once
            // lets the new one bind the moment a descriptor is free.
            case 0, -EMFILE, -ENFILE: silentProbes += 1
            default: break
            }
            if silentProbes >= 2, rebind() { silentProbes = 0 }
        }
        stopped.finish()
    }
}
