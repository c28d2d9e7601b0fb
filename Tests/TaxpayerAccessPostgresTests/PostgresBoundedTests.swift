#if PostgreSQL
import Testing
import Dispatch
@testable import TaxpayerAccessPostgres

/// The per-attempt deadline of the PostgreSQL store: no server needed.
@Suite("PostgreSQL attempt deadline")
struct PostgresBoundedTests {
    struct Refused: Error {}

    @Test(
        "POSTGRES deadline: an operation that ignores cancellation (a query postgres-nio never answers) is left behind in time"
    )
    func hungOperation() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let answer = try await PostgresAccessStore.bounded(.milliseconds(200)) { () async -> Int in
            // Deaf to cancellation, like a query on a closed connection: answers only after 30 seconds.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 30) { continuation.resume() }
            }
            return 1
        }
        #expect(answer == nil)
        #expect(clock.now - start < .seconds(10))
    }

    @Test("POSTGRES deadline: an operation in time answers its value, or its error")
    func inTime() async throws {
        #expect(try await PostgresAccessStore.bounded(.seconds(10)) { 7 } == 7)
        await #expect(throws: Refused.self) {
            _ = try await PostgresAccessStore.bounded(.seconds(10)) { () async throws -> Int in throw Refused() }
        }
    }
}
#endif
