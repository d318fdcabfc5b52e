import ArgumentParser
import MeridianHistory

/// `serve`'s snapshot history options.
struct HistoryFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Keep the history of served snapshots and pinned groups here, across restarts (created 0700; its files hold TLS private keys). Without it the history is kept in memory only.",
        valueName: "directory"
    ))
    var stateDir: String?

    @Option(help: "Most history entries kept (all groups together); the oldest go first, never a group's newest, live or pinned one.")
    var historyLimit = 100

    @Option(help: ArgumentHelp("Most MiB of stored snapshots kept.", valueName: "MiB"))
    var historyMaxMib = 256

    func validate() throws {
        guard historyLimit >= 1 else { throw ValidationError("--history-limit must be at least 1") }
        guard (1...1_048_576).contains(historyMaxMib) else { throw ValidationError("--history-max-mib must be between 1 and 1048576") }
    }

    var limits: HistoryLimits { HistoryLimits(maxEntries: historyLimit, maxBytes: historyMaxMib << 20) }
}
