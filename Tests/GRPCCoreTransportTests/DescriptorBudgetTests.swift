@testable import GRPCCoreTransport
import Synchronization
import Testing

@Suite("Descriptor budget")
struct DescriptorBudgetTests {
    @Test("admits until the headroom is reached, counting each admitted stream until the next count")
    func admitsUpToTheHeadroom() {
        let open = Mutex(100)
        let budget = DescriptorBudget(headroom: 10, refreshInterval: .seconds(3600), limit: { 120 }, count: { open.withLock { $0 } })
        // 100 open + 10 kept free: admissions while 100 + 10 + admitted < 120, so 10.
        let admitted = (0..<20).filter { _ in budget.admit() }.count
        #expect(admitted == 10)
    }

    @Test("a fresh count after descriptors close admits again")
    func recountAdmits() async throws {
        let open = Mutex(115)
        let budget = DescriptorBudget(headroom: 10, refreshInterval: .milliseconds(10), limit: { 120 }, count: { open.withLock { $0 } })
        #expect(!budget.admit())
        open.withLock { $0 = 50 }
        try await Task.sleep(for: .milliseconds(20))
        #expect(budget.admit())
    }

    @Test("5% of a large limit is kept free when that is more than the headroom")
    func percentageOfLargeLimits() {
        let budget = DescriptorBudget(headroom: 64, refreshInterval: .seconds(3600), limit: { 20_000 }, count: { 18_950 })
        // 5% of 20,000 is 1,000: 18,950 + 1,000 leaves room for 50.
        #expect((0..<100).filter { _ in budget.admit() }.count == 50)
    }

    @Test("raising the soft limit to the hard limit leaves soft equal to hard")
    func raiseSoftToHard() {
        let (before, after) = DescriptorLimits.raiseSoftToHard()
        #expect(after.hard == before.hard)
        #expect(after.soft == after.hard)
    }
}
