#if PostgreSQL
import Testing
import Dispatch
import Synchronization
@testable import TaxpayerAccessPostgres

/// The per-attempt deadline of the PostgreSQL store: no server needed.
@Suite("PostgreSQL attempt deadline")
struct PostgresBoundedTests {
    struct Refused: Error {}

    @Test(
        "POSTGRES deadline: an operation that ignores cancellation (a query postgres-nio never answers) is left behind in time"
    )
    func hungOperation() async throws {
        let answered = Flag()
        let answer = try await PostgresAccessStore.bounded(.milliseconds(200)) { () async -> Int in
            // Deaf to cancellation, like a query on a closed connection: answers only after 120 seconds.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().asyncAfter(deadline: .now() + 120) {
                    answered.value.store(true, ordering: .releasing)
                    continuation.resume()
                }
            }
            return 1
        }
        #expect(answer == nil)
        // Not a timer on the test: what matters is that the caller was let go while the operation still hung (a
        // loaded machine may take seconds to wake the deadline; it never takes the operation's two minutes).
        let hungStill = !answered.value.load(ordering: .acquiring)
        #expect(hungStill, "bounded waited for the hung operation")
    }

    /// Set when the hung operation finally answers.
    final class Flag: Sendable {
        let value = Atomic<Bool>(false)
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
