@testable import MeridianAdmin
import NIOCore
import Testing

/// Rollback and unpin are accepted only from clients on this machine; which addresses are.
@Suite("Admin API: loopback clients")
struct AdminLoopbackTests {
    @Test("loopback addresses", arguments: [
        ("127.0.0.1", true), ("127.255.0.9", true), ("::1", true), ("::ffff:127.0.0.1", true),
        ("10.0.0.1", false), ("192.168.1.2", false), ("128.0.0.1", false), ("::2", false), ("fe80::1", false), ("::ffff:10.0.0.1", false),
    ])
    func loopback(_ address: String, _ expected: Bool) throws {
        #expect(AdminRequestContext.isLoopback(try SocketAddress(ipAddress: address, port: 40_000)) == expected)
    }

    @Test("no address, and Unix sockets")
    func other() throws {
        #expect(!AdminRequestContext.isLoopback(nil))
        #expect(AdminRequestContext.isLoopback(try SocketAddress(unixDomainSocketPath: "/tmp/meridian-admin.sock")))
    }
}
