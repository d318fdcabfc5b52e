import EnvoyAPI
import Foundation
import Logging
import MeridianKubernetes
import MeridianLoad
import MeridianTranslate
import Synchronization

/// Writes the Gateway API status each build computes to the objects' `/status` subresources,
/// while this replica leads: what `meridian translate` reports, with `observedGeneration`,
/// merged with other controllers' entries (`StatusWrites`, `StatusMerge`), paced to at most
/// `writesPerSecond`.
///
/// Written: GatewayClasses whose controller is Meridian's, their Gateways and ListenerSets,
/// and every route and policy's `parents`/`ancestors` entries for Meridian's controllers (an
/// entry for a Gateway of another controller, or of none, is that controller's to write).
struct KubernetesStatusWriter: Sendable {
    let client: KubernetesAPIClient
    let controllerNames: Set<String>
    let writesPerSecond: Double
    let logger: Logger

    /// What wakes the writer.
    enum Wake: Sendable {
        /// A new build, a change seen by a watch, or leadership gained.
        case changed
        /// Now and then: writes that failed, or whose version the watch never moved past, are tried again.
        case retry
    }

    /// The status to write per object, from one build.
    static func desired(_ build: ConfigurationBuild, controllerNames: Set<String>, now: Date = Date()) -> [StatusWrites.Target: [UInt8]] {
        let transition = StatusReport.transitionTime(now)
        let classes = Set(build.loaded.gatewayClasses.filter { controllerNames.contains($0.spec.controllerName) }.map(\.metadata.name))
        let gateways = Set(build.loaded.gateways.filter { classes.contains($0.spec.gatewayClassName) }.map(\.qualifiedName))
        let listenerSets = Set(build.loaded.listenerSets.filter { set in
            gateways.contains("\(set.spec.parentRef.namespace ?? set.metadata.namespace ?? "")/\(set.spec.parentRef.name)")
        }.map { "\($0.metadata.namespace ?? "")/\($0.metadata.name)" })
        var desired: [StatusWrites.Target: [UInt8]] = [:]
        for status in build.translation.statuses {
            let target = StatusWrites.Target(kind: status.kind, key: status.qualifiedName)
            let body: JSONValue
            switch status.kind {
            case GatewayClass.kind where classes.contains(status.name),
                 Gateway.kind where gateways.contains(status.qualifiedName),
                 ListenerSet.kind where listenerSets.contains(status.qualifiedName):
                body = StatusReport.statusBody(status, transition: transition)
            case _ where status.isPolicy || status.kind == HTTPRoute.kind || status.kind == GRPCRoute.kind:
                let ours = status.parents.filter { $0.controllerName.map(controllerNames.contains) ?? false }
                body = StatusReport.statusBody(status, transition: transition, parents: ours)
            default:
                continue
            }
            desired[target] = Array(body.json().utf8)
        }
        return desired
    }

    /// Until `wakes` ends. `current` is an object as the watch last showed it; `leading` says
    /// whether this replica may write; `latest` is the status of the last build.
    func run(wakes: AsyncStream<Wake>, latest: @Sendable () -> [StatusWrites.Target: [UInt8]]?,
             current: @Sendable (StatusWrites.Target) -> KubernetesObject?, leading: @Sendable () -> Bool) async {
        var writes = StatusWrites(controllerNames: controllerNames)
        let clock = ContinuousClock()
        let interval = Duration.seconds(1 / max(writesPerSecond, 0.001))
        var nextAllowed = clock.now
        for await wake in wakes {
            if case .retry = wake { writes.releaseHolds() }
            guard leading(), let statuses = latest() else { continue }
            writes.setDesired(statuses)
            // Until nothing is left to write: a write's answer can make another due.
            while leading(), !Task.isCancelled {
                let due = writes.writes(current: current)
                if due.isEmpty { break }
                for write in due {
                    guard leading() else {
                        writes.finished(write, .failed)
                        continue
                    }
                    if clock.now < nextAllowed { try? await Task.sleep(until: nextAllowed) }
                    nextAllowed = clock.now + interval
                    writes.finished(write, await send(write))
                }
            }
        }
    }

    private func send(_ write: StatusWrites.Write) async -> StatusWrites.Outcome {
        guard let kind = ReadKinds.all.first(where: { $0.kind == write.target.kind }) else { return .notFound }
        let parts = write.target.key.split(separator: "/", maxSplits: 1).map(String.init)
        let (namespace, name) = parts.count == 2 ? (parts[0], parts[1]) : (nil, parts[0])
        do {
            _ = try await client.replaceStatus(kind.collection(namespace: namespace), name: name, object: write.object)
            logger.debug("status written", metadata: ["object": "\(write.target)"])
            return .written
        } catch .status(409, _) {
            return .conflict
        } catch .status(404, _) {
            return .notFound
        } catch {
            logger.warning("could not write status; retrying", metadata: ["object": "\(write.target)", "error": "\(error)"])
            return .failed
        }
    }
}
