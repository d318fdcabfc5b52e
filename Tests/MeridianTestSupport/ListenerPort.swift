import Foundation
import Synchronization

/// A TCP port on 127.0.0.1 for a listener that is configured now and bound later (an Envoy
/// listener pushed over xDS): free a moment ago, and outside Linux's ephemeral range.
///
/// `freeLoopbackPort()` asks the kernel for port 0, which hands out an ephemeral port — the
/// range every outgoing connection (client to Envoy, Envoy to a backend) also draws from. Under
/// a busy parallel test run one of those connections can take the port before Envoy binds it
/// ("cannot bind ... Address already in use"). Ports below the ephemeral range are only ever
/// taken by an explicit bind.
///
/// A port is handed out once per test process: two tests running side by side that pick a port
/// before either binds it would otherwise be able to pick the same one.
public func freeListenerPort() throws -> Int {
    let ephemeralStart = ephemeralPortRangeStart()
    let candidates = Array(10_000..<max(10_001, min(ephemeralStart, 32_768))).shuffled()
    for port in candidates.prefix(400) where isFreeLoopbackPort(port) {
        if handedOutListenerPorts.withLock({ $0.insert(port).inserted }) { return port }
    }
    return try freeLoopbackPort()
}

/// Ports `freeListenerPort` has handed out in this process.
private let handedOutListenerPorts = Mutex<Set<Int>>([])

/// The first port of `net.ipv4.ip_local_port_range` (32768 when it cannot be read).
private func ephemeralPortRangeStart() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8),
          let first = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first,
          let start = Int(first) else { return 32_768 }
    return start
}

/// Whether 127.0.0.1:`port` can be bound right now.
private func isFreeLoopbackPort(_ port: Int) -> Bool {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}
