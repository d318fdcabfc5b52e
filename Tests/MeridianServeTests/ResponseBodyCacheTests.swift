import EnvoyAPI
@testable import MeridianServe
import MeridianTestSupport
import Testing

/// Response bodies are encoded once per (type, version, names) and shared by every stream;
/// each stream appends its nonce, and the result is the same message as encoding it whole.
@Suite("shared response bodies")
struct ResponseBodyCacheTests {
    @Test("two streams with the same subscription share one body; the nonce appended decodes as the response's")
    func sharedAndDecodable() throws {
        let snapshot = try DiscoveryStreamStateTests.snapshot()
        let cache = ResponseBodyCache()
        var streams = [DiscoveryStreamState(), DiscoveryStreamState()]
        var responses: [DiscoveryStreamState.Response] = []
        for index in streams.indices {
            _ = streams[index].update(snapshot)
            responses += streams[index].receive(DiscoveryStreamStateTests.request(.cluster, first: true)).responses
        }
        #expect(responses.count == 2 && responses.allSatisfy { $0.sharing != nil })
        let live = { Set([snapshot.version]) }
        let bodies = responses.map { cache.body(for: $0, liveVersions: live) }
        #expect(bodies[0] != nil && bodies[0] === bodies[1], "one body for both streams")
        #expect(cache.count == 1)

        for (response, body) in zip(responses, bodies) {
            // What the stream sends: the shared body, then its nonce as field 5.
            let whole = try #require(body).bytes + ResponseBodyCache.nonceField(response.nonce)
            let decoded = try DiscoveryResponse(decoding: whole)
            #expect(decoded.nonce == response.nonce && decoded.versionInfo == snapshot.version)
            #expect(decoded.resources == response.resources.map(\.message))
        }
        let long = String(repeating: "n", count: 300)
        #expect(ResponseBodyCache.nonceField(long).prefix(3) == [0x2a, 0xac, 0x02], "a length past 127 is a two-byte varint")
    }

    @Test("a new version of a subscription replaces its body; a partial (held back) response is not cached")
    func replacedAndPartial() throws {
        let cache = ResponseBodyCache()
        let old = try DiscoveryStreamStateTests.snapshot()
        let new = try DiscoveryStreamStateTests.snapshot(changed: true)
        var state = DiscoveryStreamState()
        _ = state.update(old)
        let first = state.receive(DiscoveryStreamStateTests.request(.cluster, first: true)).responses[0]
        _ = cache.body(for: first, liveVersions: { [old.version] })
        _ = state.receive(DiscoveryStreamStateTests.request(.cluster, version: first.version, nonce: first.nonce))
        let second = try #require(state.update(new).first { $0.type == .cluster })
        _ = cache.body(for: second, liveVersions: { [new.version] })
        #expect(cache.count == 1, "one body per subscription: the newest version")

        var partial = second
        partial.sharing = nil
        _ = cache.body(for: partial, liveVersions: { [new.version] })
        #expect(cache.count == 1)
    }
}
