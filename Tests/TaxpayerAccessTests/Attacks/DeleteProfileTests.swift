import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// Finding 9: Delete My Profile withdrew the logon's pending requests without an audit event, and left its links
/// alive.
///
/// RULES P2: every role, grant and membership the logon holds ends, its pending requests are withdrawn, its sessions,
/// trusted devices and links end — and each of these ends is audited (U1).
@Suite("Attack 9: what Delete My Profile leaves behind (P2, U1)")
struct DeleteProfileTests {
    @Test(
        "Finding 9, P2 U1: deleting a profile audits every request it withdraws and ends and audits its links and devices"
    )
    func deleteEndsAndAuditsEverything() async throws {
        let cast = try await Cast.make()
        let world = cast.world
        // The firm's parent logon: a pending request of its own, a live reset link, a trusted device.
        let token = try await cast.token(Cast.parent)
        let receipt = try await cast.thirdParty.requestAccess(
            token, idType: .ssn, idNumber: "987654321", legalName: "Chris O'Brien-Smith",
            accounts: [Cast.prospectAccount: .viewOnly], channel: .online)
        try await world.portal.recovery.forgotPassword(username: Cast.parent.rawValue.lowercased())
        let links = try await world.store.linkTokens(of: Cast.parent).map(\.value)
        try #require(links.count == 1 && links[0].usedAt == nil)
        let device = TrustedDevice(
            id: "D-P", tokenHash: SecretToken.hash("device-of-p"), logon: Cast.parent, createdAt: world.clock.now(),
            expiresAt: world.clock.now().addingTimeInterval(86400))
        try await world.put(.trustedDevice(device))
        let start = try await world.store.allAuditEvents().last?.sequence ?? 0

        try await world.portal.profile.deleteProfile(token, currentPassword: "Passw0rd!")

        let events = try await world.store.allAuditEvents().filter { $0.sequence > start }.map(\.event)
        /// Whether an event of the deletion is about the record with this id (`accessRequest/<id>`, …).
        func audited(_ id: String) -> Bool { events.contains { $0.subject.contains(id) } }
        // The request is withdrawn, and that is audited.
        #expect(try await world.store.accessRequest(receipt.request)?.value.status == .withdrawn)
        #expect(
            audited(receipt.request.rawValue),
            "P2 U1: the withdrawal of request \(receipt.request) left no audit event; events: \(events.map(\.subject))")
        // Every link ends, audited.
        let after = try await world.store.linkTokens(of: Cast.parent).map(\.value)
        #expect(after.count == links.count)
        for link in after {
            #expect(link.usedAt != nil, "P2: link \(link.id) (\(link.purpose.rawValue)) outlives the deleted profile")
            #expect(audited(link.id.rawValue), "P2 U1: the end of link \(link.id) left no audit event")
        }
        // The trusted device is revoked, audited.
        let devices = try await world.store.trustedDevices(of: Cast.parent).map(\.value)
        #expect(devices.count == 1 && devices.allSatisfy { $0.revokedAt != nil })
        #expect(audited("D-P"))
        #expect(try await world.store.logon(Cast.parent)?.value.status == .deleted)
    }
}
