import Logging
import Synchronization

/// Every log record a logger wrote, rendered as swift-log's `StreamLogHandler`
/// renders a line (`level label: message key=value ...`), to check what would
/// reach a terminal or a log file.
public final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    /// A logger at `trace` that writes here.
    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { [self] label in Handler(label: label, sink: self) }
        logger.logLevel = .trace
        return logger
    }

    /// The records so far, one string per record.
    public var records: [String] { lines.withLock { $0 } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }

    private struct Handler: LogHandler {
        let label: String
        let sink: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            sink.append("\(event.level) \(label): \(event.message) \(rendered)")
        }
    }
}
