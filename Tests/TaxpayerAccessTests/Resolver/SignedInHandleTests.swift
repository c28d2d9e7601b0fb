import Testing
@testable import TaxpayerAccess
import TaxpayerAccessTesting

@Suite("The signed-in value's resolver handle (L2, L4)")
struct SignedInHandleTests {
    @Test("L2, L4: the caller carries its logon's handle; the portal's check by it agrees with ids through changes")
    func callerCarriesHandle() async throws {
        let world = FixtureWorld()
        _ = try await world.taxpayer("T1", accounts: [("A1", .withholding), ("A2", .personalIncome)])
        try await world.logon("L1")
        try await world.role("L1", on: "T1", .taxAdministrator, levels: ["A1": .fileAndPay])
        let caller = try await world.caller("L1")
        let handle = try #require(caller.logonHandle, "the resolver knew L1 when the session was checked")
        #expect(handle == world.portal.resolver.handle(logon: "L1"))

        /// The portal's answers for the caller, against the resolver's by ids, for every action on both accounts.
        func expectAgreement(allowedCount: Int, _ comment: Comment) {
            var allowed = 0
            for account: AccountID in ["A1", "A2", "A404"] {
                for action in AccountAction.allCases {
                    let byID = world.portal.resolver.check(logon: "L1", account: account, action: action)
                    #expect(world.portal.check(caller, account: account, action: action) == byID, comment)
                    #expect(world.portal.resolver.check(logon: handle, account: account, action: action) == byID)
                    if byID { allowed += 1 }
                }
            }
            #expect(allowed == allowedCount, comment)
        }
        expectAgreement(allowedCount: 4, "File and Pay on A1: view, file, pay, amend")
        // A change after sign-in is seen through the same handle: it is not a cached answer.
        try await world.role("L1", on: "T1", .taxAdministrator, levels: ["A1": .viewOnly, "A2": .allAccess])
        expectAgreement(allowedCount: 6, "View Only on A1, All Access on A2")
        try await world.logon("L1", status: .deactivated)
        expectAgreement(allowedCount: 0, "a deactivated logon has no path (L4)")
    }
}
