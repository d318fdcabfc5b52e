import Testing
@testable import MeridianLoad

@Suite struct ScratchTests {
    @Test func scratch() {
        let yaml = """
        apiVersion: kgateway.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: r}
        spec:
          numRetrys: 3
          retryOn: ["5xx", "bogus", 7]
          perTryTimeout: 30
          retryBackOff: {baseInterval: 1.5s, maxInterval: 1s}
        ---
        apiVersion: kgateway.dev/v1alpha1
        kind: RateLimitPolicy
        metadata: {name: r}
        spec:
          descriptors:
            - entries: [{key: x}]
              limit: {unit: WEEK}
            - entries: [{kee: x}]
          local: {tokenBucket: {maxTokens: yes}}
        ---
        apiVersion: gateway.kgateway.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: r}
        spec: {}
        """
        for e in load(yaml).errors { print(e) }
    }
}
