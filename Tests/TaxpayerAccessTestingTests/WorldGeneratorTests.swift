import Testing
import TaxpayerAccess
import TaxpayerAccessTesting

@Suite("WorldGenerator")
struct WorldGeneratorTests {
    @Test func sameSeedSameWorld() {
        let a = WorldGenerator.generate(.small, seed: 7)
        let b = WorldGenerator.generate(.small, seed: 7)
        let c = WorldGenerator.generate(.small, seed: 8)
        #expect(a.records == b.records)
        #expect(a.questions == b.questions)
        #expect(a.records != c.records)
    }

    @Test func smallWorldHasTheAskedShape() {
        let world = WorldGenerator.generate(.small, seed: 1)
        let taxpayers = world.records.filter { if case .taxpayer = $0 { true } else { false } }.count
        let logons = world.records.compactMap { if case .logon(let l) = $0 { l } else { nil } }
        #expect(taxpayers == 1_000)
        #expect(logons.count == 200)
        #expect(logons.filter { $0.secondary != nil }.count == 2 * 5)
        #expect(world.questions.count == WorldGenerator.Size.small.questions)
        #expect(Set(world.questions.map(\.path)) == ["direct", "thirdParty", "secondary", "random"])
        let secondary = logons.first { $0.id == world.secondaryOfBiggestFirm }
        #expect(secondary?.secondary?.parent == world.biggestFirmParent)
        let grantsOnShared = world.records.filter {
            if case .grant(let g) = $0 { g.taxpayer == world.taxpayerWithSeveralThirdParties } else { false }
        }
        #expect(grantsOnShared.count >= 2)
    }

    // The generated world satisfies the store's uniqueness contract (R4, R5, T1).
    @Test func worldCommitsToAStore() async throws {
        let world = WorldGenerator.generate(.small, seed: 3)
        let store = InMemoryAccessStoreFactory.make()
        var changes = ChangeSet()
        for record in world.records { changes.insert(record) }
        try await store.commit(changes)
        #expect(try await store.records(ofKind: .logon).count == 200)
    }
}

import TaxpayerAccessInMemory
enum InMemoryAccessStoreFactory { static func make() -> InMemoryAccessStore { InMemoryAccessStore() } }
