/// One resource collection read from the Kubernetes API server, list then watch, as a pure
/// state machine: it is told what the server answered and says what to request next and how
/// the local copy of the collection changes. It does no I/O.
///
/// It follows "Efficient detection of changes" in the Kubernetes API concepts:
/// * A list is read page by page (`limit`/`continue`); the copy is replaced only when the last
///   page arrived, so a half-read list never replaces a whole one. A `continue` token that
///   expired (410 Gone) restarts the list.
/// * The watch starts from the list's `resourceVersion` and moves it forward with every event,
///   bookmarks included (`allowWatchBookmarks`), so a watch the server ends (its timeout) or a
///   dropped connection resumes where it was, without losing or repeating an event.
/// * A watch from a version the server no longer has (410 Gone, as the HTTP status or as an
///   ERROR event) lists again; the copy is then replaced by the new list, which a store turns
///   into the changes since the old one.
/// * Other failures wait (doubling from `initialBackoff` up to `maximumBackoff`, reset by any
///   success) and retry the same step.
public struct ListWatch<Object: Sendable>: Sendable {
    /// What to ask the server for.
    public enum Request: Sendable, Hashable {
        /// A page of the list: the first (`nil`) or the one a `continue` token names.
        case list(continue: String?)
        /// Changes after `resourceVersion`.
        case watch(resourceVersion: String)
    }

    /// A watch event's type, as the server sends it.
    public enum EventType: String, Sendable, Hashable {
        case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
    }

    /// How the local copy of the collection changes.
    public enum Change: Sendable {
        /// The whole collection, by key (`namespace/name`), from a complete list.
        case replaceAll([String: Object])
        case upsert(key: String, Object)
        case delete(key: String)
    }

    /// What to do after an answer.
    public struct Reaction: Sendable {
        public var changes: [Change] = []
        /// The next request; nil while a request is still being answered (a watch stream).
        public var next: Request?
        /// How long to wait before `next`.
        public var delay: Duration = .zero
    }

    private enum Phase: Sendable {
        case listing(pages: [String: Object])
        case watching(resourceVersion: String)
    }

    private var phase: Phase = .listing(pages: [:])
    private var backoff: Duration
    public let initialBackoff: Duration
    public let maximumBackoff: Duration

    public init(initialBackoff: Duration = .milliseconds(100), maximumBackoff: Duration = .seconds(30)) {
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        backoff = initialBackoff
    }

    /// The first request.
    public func start() -> Request { .list(continue: nil) }

    /// The resource version the watch resumes from (nil while listing).
    public var resourceVersion: String? {
        if case .watching(let version) = phase { return version }
        return nil
    }

    /// A page of the list arrived: its items by key, the list's `resourceVersion`, and the
    /// `continue` token of the next page (empty or nil on the last page).
    public mutating func listed(_ items: [(key: String, object: Object)], resourceVersion: String, continue token: String?) -> Reaction {
        guard case .listing(var pages) = phase else {
            // A page nobody asked for (a late answer after the phase moved on) changes nothing.
            return Reaction()
        }
        for item in items { pages[item.key] = item.object }
        backoff = initialBackoff
        if let token, !token.isEmpty {
            phase = .listing(pages: pages)
            return Reaction(next: .list(continue: token))
        }
        phase = .watching(resourceVersion: resourceVersion)
        return Reaction(changes: [.replaceAll(pages)], next: .watch(resourceVersion: resourceVersion))
    }

    /// A list request failed with HTTP `status` (nil: no answer, the connection failed).
    public mutating func listFailed(status: Int?) -> Reaction {
        // The pages read so far are dropped: a list is whole or not at all. An expired
        // `continue` token (410) restarts the list at once; anything else after a wait.
        phase = .listing(pages: [:])
        if status == 410 { return Reaction(next: .list(continue: nil)) }
        return Reaction(next: .list(continue: nil), delay: nextDelay())
    }

    /// One event of the watch stream. `resourceVersion` is the object's
    /// `metadata.resourceVersion`; for an ERROR event, `errorCode` is the Status object's `code`.
    public mutating func event(_ type: EventType, key: String, object: Object?, resourceVersion: String?, errorCode: Int? = nil) -> Reaction {
        guard case .watching = phase else { return Reaction() }
        if type == .error {
            // The stream ends after an ERROR event; the server closes it.
            if errorCode == 410 { return relist() }
            return Reaction(next: resumption(), delay: nextDelay())
        }
        if let resourceVersion, !resourceVersion.isEmpty { phase = .watching(resourceVersion: resourceVersion) }
        backoff = initialBackoff
        switch type {
        case .added, .modified:
            guard let object else { return Reaction() }
            return Reaction(changes: [.upsert(key: key, object)])
        case .deleted:
            return Reaction(changes: [.delete(key: key)])
        case .bookmark, .error:
            return Reaction()
        }
    }

    /// The server ended the watch stream normally (its `timeoutSeconds`): watch again from
    /// where it was, at once.
    public mutating func watchEnded() -> Reaction {
        guard case .watching(let version) = phase else { return Reaction() }
        return Reaction(next: .watch(resourceVersion: version))
    }

    /// The watch request failed with HTTP `status`, or its connection dropped (nil).
    public mutating func watchFailed(status: Int?) -> Reaction {
        guard case .watching = phase else { return Reaction() }
        if status == 410 { return relist() }
        return Reaction(next: resumption(), delay: nextDelay())
    }

    private mutating func relist() -> Reaction {
        phase = .listing(pages: [:])
        return Reaction(next: .list(continue: nil))
    }

    private func resumption() -> Request {
        if case .watching(let version) = phase { return .watch(resourceVersion: version) }
        return .list(continue: nil)
    }

    private mutating func nextDelay() -> Duration {
        let delay = backoff
        backoff = min(backoff * 2, maximumBackoff)
        return delay
    }
}
