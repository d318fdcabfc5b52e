import Foundation

/// The ports a `meridian serve` started with `--xds-address 127.0.0.1:0 --admin-address
/// 127.0.0.1:0` bound, read from its log. Binding port 0 lets the kernel pick: a port chosen
/// beforehand by a test (bind, close, hand over) can be taken meanwhile by another test's
/// connection, and since SO_REUSEPORT is off that fails the start.
public enum ServeLogPorts {
    public struct Ports: Sendable {
        public var xds: Int
        public var admin: Int
    }

    /// Waits for both "serving ADS ... port=N" and "serving the admin API address=host:N".
    public static func wait(for process: ChildProcess, timeout: TimeInterval = 30) throws -> Ports {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let log = process.output
            if let xds = port(in: log, line: "serving ADS", pattern: #"port=(\d+)"#),
               let admin = port(in: log, line: "serving the admin API", pattern: #"address=\S+:(\d+)"#) {
                return Ports(xds: xds, admin: admin)
            }
            guard process.isRunning else { break }
            usleep(20_000)
        }
        throw FixtureError("meridian serve did not report its ports: \(process.output.suffix(2_000))")
    }

    private static func port(in log: String, line marker: String, pattern: String) -> Int? {
        for line in log.split(separator: "\n") where line.contains(marker) {
            if let range = line.range(of: pattern, options: .regularExpression) {
                let digits = line[range].split(whereSeparator: { !$0.isNumber }).last.map(String.init)
                if let port = digits.flatMap(Int.init), port > 0 { return port }
            }
        }
        return nil
    }
}
