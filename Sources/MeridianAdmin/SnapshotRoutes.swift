import EnvoyAPI
import Hummingbird
import MeridianHistory
import MeridianServe

/// `/snapshots`: the versions each group was served, newest first, with what changed and which
/// proxies ACKed or NACKed each; `/snapshots/VERSION`, one version's config dump;
/// `/snapshots/A/diff/B`, the differences between two; `POST /snapshots/rollback?to=V[&group=G]`
/// and `POST /snapshots/unpin[?group=G]`, accepted only from loopback clients, since they
/// change what every proxy of the group is served.
enum SnapshotRoutes {
    static func add(to router: Router<AdminRequestContext>, sources: AdminSources) {
        router.get("/snapshots") { request, _ in
            guard let history = sources.history else { return notKept(request) }
            history.observe(sources.proxies)
            let overview = history.overview
            return AdminResponses.answer(request, json: SnapshotViews.json(overview)) { SnapshotViews.text(overview) }
        }
        router.get("/snapshots/:version") { request, context in
            guard let history = sources.history else { return notKept(request) }
            let query = context.parameters.get("version") ?? ""
            do throws(HistoryError) {
                let snapshot = try history.snapshot(query)
                var dump = ConfigDump.render(snapshot)
                if let typeName = request.uri.queryParameters.get("type") {
                    guard let type = ConfigRoutes.resourceType(named: String(typeName)) else {
                        return AdminResponses.error(request, .badRequest, "unknown type \(typeName)")
                    }
                    dump = ConfigDump.filtered(dump, to: type)
                }
                return AdminResponses.answer(request, json: dump) { dump.yaml() }
            } catch {
                return refusal(request, error)
            }
        }
        // One parameter name per position: Hummingbird refuses `:from` beside `:version`.
        router.get("/snapshots/:version/diff/:to") { request, context in
            guard let history = sources.history else { return notKept(request) }
            do throws(HistoryError) {
                let diff = try history.diff(from: context.parameters.get("version") ?? "", to: context.parameters.get("to") ?? "")
                return AdminResponses.answer(request, json: SnapshotViews.json(diff)) {
                    diff.isEmpty ? "no differences: \(diff.from) and \(diff.to) serve the same resources" : diff.unifiedText
                }
            } catch {
                return refusal(request, error)
            }
        }
        router.post("/snapshots/rollback") { request, context in
            guard let history = sources.history else { return notKept(request) }
            guard context.isFromLoopback else { return notLoopback(request) }
            guard let version = request.uri.queryParameters.get("to"), !version.isEmpty else {
                return AdminResponses.error(request, .badRequest, "name the version to roll back to with ?to=VERSION")
            }
            do throws(HistoryError) {
                let outcome = try history.pin(version: String(version), group: request.uri.queryParameters.get("group").map { String($0) })
                let json = JSONValue.object([
                    ("group", .string(outcome.group)),
                    ("pinned", .string(outcome.version)),
                    ("previous", outcome.previous.map(JSONValue.string) ?? .null),
                ])
                return AdminResponses.answer(request, json: json) {
                    "\(outcome.group) pinned to \(outcome.version) (was \(outcome.previous ?? "not served")); new builds are recorded, not served, until unpin"
                }
            } catch {
                return refusal(request, error)
            }
        }
        router.post("/snapshots/unpin") { request, context in
            guard let history = sources.history else { return notKept(request) }
            guard context.isFromLoopback else { return notLoopback(request) }
            do throws(HistoryError) {
                let served = try history.unpin(group: request.uri.queryParameters.get("group").map { String($0) })
                let groups = served.keys.sorted()
                let json = JSONValue.object([("unpinned", .array(groups.map { group in
                    .object([("group", .string(group)), ("serving", served[group]!.map(JSONValue.string) ?? .null)])
                }))])
                return AdminResponses.answer(request, json: json) {
                    groups.map { "\($0) unpinned, serving \(served[$0]!.map { "its newest build \($0)" } ?? "nothing (its Gateway is gone)")" }.joined(separator: "\n")
                }
            } catch {
                return refusal(request, error)
            }
        }
    }

    /// A history error as an HTTP status: what was asked for does not exist (404), is
    /// ambiguous (400) or contradicts the state (409); storage trouble is the server's (500).
    static func refusal(_ request: Request, _ error: HistoryError) -> Response {
        let status: HTTPResponse.Status = switch error.code {
        case .unknownVersion, .unknownGroup: .notFound
        case .ambiguousGroup: .badRequest
        case .notPinned: .conflict
        case .storage, .corruptSnapshot: .internalServerError
        }
        return AdminResponses.error(request, status, error.message)
    }

    private static func notKept(_ request: Request) -> Response {
        AdminResponses.error(request, .notFound, "this server keeps no snapshot history")
    }

    private static func notLoopback(_ request: Request) -> Response {
        AdminResponses.error(request, .forbidden, "rollback and unpin are accepted only from loopback clients (127.0.0.0/8, ::1)")
    }

    /// `/proxies`' `pinned` member: the pin of the group the proxy is served, or null.
    static func pinned(_ proxy: JSONValue, cluster: String, history: SnapshotHistory?) -> JSONValue {
        guard case .object(var members) = proxy else { return proxy }
        let pin = history?.pin(forProxyGroup: cluster)
        members.append(("pinned", pin.map { .object([("version", .string($0.version)), ("since", .string(ProxyRoutes.timestamp($0.since)))]) } ?? .null))
        return .object(members)
    }

    /// Lines under `/proxies`' table naming the pinned groups, if any.
    static func pinNotes(_ proxies: [ProxyStatusRegistry.Proxy], history: SnapshotHistory?) -> String {
        guard let history else { return "" }
        let pinned = Set(proxies.compactMap { proxy in history.pin(forProxyGroup: proxy.node.cluster).map { "\(proxy.node.cluster) \($0.version)" } })
        return pinned.sorted().map { "\nPINNED " + $0 + " (rolled back; meridian snapshots unpin to follow the files again)" }.joined()
    }
}
