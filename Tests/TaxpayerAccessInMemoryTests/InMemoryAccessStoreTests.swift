import Testing
import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("InMemoryAccessStore")
struct InMemoryAccessStoreTests {
    // R4 R5 N2 U1: the storage contract, run on the in-memory store.
    @Test(arguments: AccessStoreConformance.Check.allCases)
    func conformance(_ check: AccessStoreConformance.Check) async throws {
        try await AccessStoreConformance { InMemoryAccessStore() }.run(check)
    }
}
