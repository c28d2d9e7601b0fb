import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Concurrency: administration under concurrency")
struct AdministrationRaceTests {
    typealias C = Cast

    /// Two active MAs of the client: its own MA and its former TA, promoted.
    static func twoMasterAdministrators() async throws -> Cast {
        let cast = try await Cast.make()
        try await cast.admin.promote(try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownTA)
        return cast
    }

    @Test("M2: two MAs demoting each other at once cannot leave the taxpayer without an active MA")
    func crossDemotionConflicts() async throws {
        let cast = try await Self.twoMasterAdministrators()
        let context = cast.world.portal.context
        let a = try #require(try await context.store.logon(C.ownMA)).value
        let b = try #require(try await context.store.logon(C.ownTA)).value
        // Both decide from the same read, as two concurrent requests would.
        let seenByA = try await context.accessState(
            of: C.client, actor: a, unknown: Authorization.notMasterAdministrator)
        let seenByB = try await context.accessState(
            of: C.client, actor: b, unknown: Authorization.notMasterAdministrator)
        #expect(seenByA.activeMasterAdministrators.count == 2)
        let aDemotesB = try AdministrationRules.demote(
            seenByA, actor: a, target: b.id, levels: nil, now: context.clock.now())
        let bDemotesA = try AdministrationRules.demote(
            seenByB, actor: b, target: a.id, levels: nil, now: context.clock.now())
        try await context.store.commit(aDemotesB.changes)
        await #expect(
            throws: StoreError(.versionConflict, subject: "role/\(a.id.rawValue)|\(C.client.rawValue)", message: "")
        ) {
            try await context.store.commit(bDemotesA.changes)
        }
        let active = try await context.store.roles(on: C.client).map(\.value)
            .filter {
                $0.status == .active && $0.role == .masterAdministrator && [C.ownMA, C.ownTA].contains($0.logon)
            }
        #expect(active.map(\.logon) == [C.ownMA])
    }

    @Test("M2: the second of two crossing demotions, retried through the service, is refused")
    func crossDemotionThroughTheService() async throws {
        let cast = try await Self.twoMasterAdministrators()
        try await cast.admin.demote(try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownTA)
        await expectRefusal(.notAuthorized) {
            try await cast.admin.demote(try await cast.token(C.ownTA), taxpayer: C.client, logon: C.ownMA)
        }
        await expectRefusal(.conflict) {
            try await cast.admin.demote(try await cast.token(C.ownMA), taxpayer: C.client, logon: C.ownMA)
        }
    }
}

@Suite("Concurrency: authorization comes before lookups")
struct AuthorizationFirstTests {
    typealias C = Cast

    @Test("M3, L4: a logon that is no MA of the taxpayer learns nothing about which logon ids exist")
    func grantByNonMasterAdministratorIsRefusedBeforeTheLookup() async throws {
        let cast = try await Cast.make()
        for actor in [C.stranger, C.ownTA, C.parent, C.secondaryMA] {
            let token = try await cast.token(actor)
            await expectRefusal(.notAuthorized) {
                try await cast.admin.grantTaxAdministrator(
                    token, taxpayer: C.client, logon: "NOBODY", levels: [C.clientAccount: .viewOnly])
            }
            await expectRefusal(.notAuthorized) {
                try await cast.admin.grantTaxAdministrator(
                    token, taxpayer: C.client, logon: C.stranger, levels: [C.clientAccount: .viewOnly])
            }
        }
    }
}
