import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Access: a deactivated secondary's sessions end (S8)")
struct SecondarySessionTests {
    typealias C = Cast

    @Test("S8: reactivating a secondary does not bring back the sessions it had when it was deactivated")
    func reactivationDoesNotReviveSessions() async throws {
        let cast = try await Cast.make()
        let firm = cast.world.portal.firm
        let parent = try await cast.token(C.parent)
        let clerk = try await cast.world.signIn(C.secondaryTA)  // a session token: each request authenticates it
        _ = try await cast.thirdParty.clients(try await cast.world.portal.caller(clerk))  // the session works
        try await firm.deactivate(parent, secondary: C.secondaryTA)
        let sessions = try await cast.world.store.sessions(of: C.secondaryTA)
        #expect(!sessions.isEmpty && sessions.allSatisfy { $0.value.endedAt == cast.world.clock.now() })
        // Well inside the idle timeout (A7): only the deactivation can have ended it.
        try await firm.reactivate(parent, secondary: C.secondaryTA)
        await expectRefusal(.sessionExpired) {
            _ = try await cast.thirdParty.clients(try await cast.world.portal.caller(clerk))
        }
        // The secondary logs in again and works.
        _ = try await cast.thirdParty.clients(try await cast.token(C.secondaryTA))
        let ended = try await cast.world.audit().filter { $0.action == .loggedOut && $0.actor == .logon(C.parent) }
        #expect(ended.count == 1)  // U1
    }

    @Test("S8: cancelling a secondary ends its sessions in the same commit")
    func cancelEndsSessions() async throws {
        let cast = try await Cast.make()
        let firm = cast.world.portal.firm
        let clerk = try await cast.world.signIn(C.secondaryTA)  // a session token: each request authenticates it
        let other = try await cast.token(C.secondaryMA)
        try await firm.cancel(try await cast.token(C.parent), secondary: C.secondaryTA)
        #expect(try await cast.world.store.sessions(of: C.secondaryTA).allSatisfy { $0.value.endedAt != nil })
        await expectRefusal(.sessionExpired) {
            _ = try await cast.thirdParty.clients(try await cast.world.portal.caller(clerk))
        }
        // Another secondary's session is untouched.
        #expect(try await cast.world.store.sessions(of: C.secondaryMA).allSatisfy { $0.value.endedAt == nil })
        _ = try await cast.thirdParty.clients(other)
    }

    @Test(
        "S8: the decision ends the secondary's live sessions on deactivation and cancellation, none on reactivation",
        arguments: [(LogonStatus.active, LogonStatus.deactivated), (.active, .deleted), (.deactivated, .active)])
    func statusRule(from: LogonStatus, to: LogonStatus) throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let parent = Logon(
            id: "P", username: "parent", email: "p@example.test", fullName: "Parent", clientManagement: true)
        let clerk = Logon(
            id: "S", username: "clerk", email: "s@example.test", fullName: "Clerk", status: from,
            secondary: SecondaryProfile(parent: "P", accessType: .taxAdministrator(.viewOnly)))
        let state = FirmState(parent: parent, groups: [], secondaries: [Versioned(clerk, version: 3)], assignments: [])
        func session(_ id: SessionID, ended: Date? = nil) -> Versioned<Session> {
            var s = Session(
                id: id, tokenHash: SecretToken.hash(id.rawValue), logon: "S", stage: .authenticated,
                createdAt: now, lastActivityAt: now)
            s.endedAt = ended
            return Versioned(s, version: 2)
        }
        let sessions = [session("S1"), session("S2", ended: now.addingTimeInterval(-60))]
        let changes = try FirmRules.setStatus(
            state, actor: parent, secondary: "S", to: to, sessions: sessions, now: now
        ).changes
        let ended = changes.writes.compactMap { write -> Session? in
            if case .session(let s) = write.record, write.expected == .version(2) { s } else { nil }
        }
        if to == .active {
            #expect(ended.isEmpty)
        } else {
            #expect(ended.map(\.id) == ["S1"] && ended.allSatisfy { $0.endedAt == now })
            #expect(changes.auditEvents.filter { $0.action == .loggedOut }.map(\.subject) == ["session/S1"])
        }
    }
}
