import Testing
@testable import TaxpayerAccess
import TaxpayerAccessTesting

@Suite("Resolver handles (L2, L4)")
struct ResolverHandleTests {
    @Test("L2, L4: checks by handles answer exactly as checks by ids over a generated world")
    func handlesEqualIDs() {
        let world = WorldGenerator.generate(.small, seed: 11)
        let resolver = AccessResolver(records: world.records)
        var allowed = 0
        var compared = 0
        for question in world.questions {
            let byID = resolver.level(logon: question.logon, account: question.account)
            guard let logon = resolver.handle(logon: question.logon),
                let account = resolver.handle(account: question.account)
            else {
                #expect(byID == .none, "no handle for \(question.logon) or \(question.account), yet a level")
                continue
            }
            compared += 1
            #expect(resolver.level(logon: logon, account: account) == byID, "\(question)")
            for action in AccountAction.allCases {
                let expected = resolver.check(logon: question.logon, account: question.account, action: action)
                #expect(resolver.check(logon: logon, account: account, action: action) == expected, "\(question)")
                if expected { allowed += 1 }
            }
        }
        // The questions really mix allowed and denied answers, and nearly all ids have records.
        #expect(compared > world.questions.count / 2)
        #expect(allowed > 0 && allowed < compared * AccountAction.allCases.count)
    }

    /// T1 with A1 and A2, L1 its Master Administrator.
    static func world() -> AccessResolver {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding), ("A2", .meals)])
        world.logon("L1")
        world.ma("L1", "T1")
        return world.resolver
    }

    @Test("L2: an unknown id, or an id only referred to by other records, has no handle")
    func noHandleWithoutRecord() {
        var world = WorldBuilder()
        world.taxpayer("T1", [("A1", .withholding)])
        world.ma("L9", "T1")  // L9 is interned by its role, but has no logon record
        let resolver = world.resolver
        #expect(resolver.handle(logon: "L9") == nil)
        #expect(resolver.handle(logon: "L404") == nil)
        #expect(resolver.handle(account: "A404") == nil)
        #expect(resolver.handle(account: "A1") != nil)
    }

    @Test("L2, L4: the handle of a deleted logon or account answers none, and does not crash")
    func deletedRecord() throws {
        let resolver = Self.world()
        let logon = try #require(resolver.handle(logon: "L1"))
        let a1 = try #require(resolver.handle(account: "A1"))
        let a2 = try #require(resolver.handle(account: "A2"))
        #expect(resolver.level(logon: logon, account: a1) == .allAccess)
        #expect(resolver.check(logon: logon, account: a2, action: .manageAccount))

        resolver.remove(RecordKey(.account, "A1"))
        #expect(resolver.handle(account: "A1") == nil)
        #expect(resolver.level(logon: logon, account: a1) == .none)
        #expect(!resolver.check(logon: logon, account: a1, action: .view))
        #expect(resolver.level(logon: logon, account: a2) == .allAccess)

        resolver.remove(RecordKey(.logon, "L1"))
        #expect(resolver.handle(logon: "L1") == nil)
        #expect(resolver.level(logon: logon, account: a2) == .none)
        #expect(!resolver.check(logon: logon, account: a2, action: .view))
    }

    @Test("L2, L4: after delete and re-add of the same id, the old handle stays denied and a new one answers")
    func deleteAndReAdd() throws {
        let resolver = Self.world()
        let oldLogon = try #require(resolver.handle(logon: "L1"))
        let oldAccount = try #require(resolver.handle(account: "A1"))
        resolver.remove(RecordKey(.logon, "L1"))
        resolver.remove(RecordKey(.account, "A1"))
        var world = WorldBuilder()
        world.logon("L1")
        world.taxpayer("T1", [("A1", .withholding)])
        for record in world.records { resolver.apply(record: record) }
        #expect(resolver.level(logon: "L1", account: "A1") == .allAccess)

        let newLogon = try #require(resolver.handle(logon: "L1"))
        let newAccount = try #require(resolver.handle(account: "A1"))
        #expect(newLogon != oldLogon)
        #expect(newAccount != oldAccount)
        #expect(resolver.level(logon: newLogon, account: newAccount) == .allAccess)
        #expect(resolver.level(logon: oldLogon, account: newAccount) == .none)
        #expect(resolver.level(logon: newLogon, account: oldAccount) == .none)
        #expect(!resolver.check(logon: oldLogon, account: oldAccount, action: .view))
    }

    @Test("L2, L4: a rewrite keeps the handle; it sees the new state (suspended, then active again)")
    func rewriteKeepsHandle() throws {
        let resolver = Self.world()
        let logon = try #require(resolver.handle(logon: "L1"))
        let account = try #require(resolver.handle(account: "A1"))
        var suspended = WorldBuilder()
        suspended.logon("L1", status: .deactivated)
        resolver.apply(record: suspended.records[0])
        #expect(resolver.handle(logon: "L1") == logon)
        #expect(resolver.level(logon: logon, account: account) == .none)
        var active = WorldBuilder()
        active.logon("L1")
        resolver.apply(record: active.records[0])
        #expect(resolver.level(logon: logon, account: account) == .allAccess)
    }

    @Test("L2: a handle from another resolver answers none, even where its index is in range there")
    func otherResolver() throws {
        let first = Self.world()
        let second = Self.world()  // same records, same interning order, different records
        let logon = try #require(first.handle(logon: "L1"))
        let account = try #require(first.handle(account: "A1"))
        let secondAccount = try #require(second.handle(account: "A1"))
        #expect(first.level(logon: logon, account: account) == .allAccess)
        #expect(second.level(logon: logon, account: secondAccount) == .none)
        let empty = AccessResolver(records: [Record]())
        #expect(empty.level(logon: logon, account: account) == .none)
    }
}
