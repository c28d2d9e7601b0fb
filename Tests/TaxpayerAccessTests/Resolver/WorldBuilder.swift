#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import TaxpayerAccess

/// Builds small worlds of access records for rule tables.
struct WorldBuilder {
    var records: [Record] = []
    /// Taxpayers so far: each gets a FEIN of its own that passes RULES T1, so a world exports to a valid snapshot.
    private var taxpayerCount = 0

    mutating func taxpayer(_ id: TaxpayerID, _ accounts: [(AccountID, AccountType)], closed: Set<AccountID> = []) {
        taxpayerCount += 1
        let number = "10" + String(String(10_000_000 + taxpayerCount).dropFirst())
        records.append(
            .taxpayer(
                Taxpayer(
                    id: id, taxID: TaxIdentifier(type: .fein, number: number),
                    legalName: "\(id.rawValue) Inc", kind: .business)))
        for (account, type) in accounts {
            records.append(
                .account(
                    TaxAccount(
                        id: account, taxpayer: id, type: type, status: closed.contains(account) ? .closed : .active)))
        }
    }

    mutating func logon(_ id: LogonID, status: LogonStatus = .active, secondary: SecondaryProfile? = nil) {
        records.append(
            .logon(
                Logon(
                    id: id, username: "user.\(id.rawValue)", email: "\(id.rawValue)@x.example", fullName: "",
                    status: status, secondary: secondary)))
    }

    mutating func ma(_ logon: LogonID, _ taxpayer: TaxpayerID, cancelled: Cancellation? = nil) {
        records.append(
            .role(
                RoleAssignment(
                    logon: logon, taxpayer: taxpayer, role: .masterAdministrator,
                    status: cancelled == nil ? .active : .cancelled, cancellation: cancelled)))
    }

    mutating func ta(
        _ logon: LogonID, _ taxpayer: TaxpayerID, _ levels: [AccountID: AccessLevel], cancelled: Cancellation? = nil
    ) {
        records.append(
            .role(
                RoleAssignment(
                    logon: logon, taxpayer: taxpayer, role: .taxAdministrator, accountLevels: levels,
                    status: cancelled == nil ? .active : .cancelled, cancellation: cancelled)))
    }

    mutating func grant(
        _ thirdParty: LogonID, _ taxpayer: TaxpayerID, _ levels: [AccountID: AccessLevel],
        cancelled: Cancellation? = nil
    ) {
        records.append(
            .grant(
                ThirdPartyGrant(
                    taxpayer: taxpayer, thirdParty: thirdParty, accounts: levels,
                    status: cancelled == nil ? .active : .cancelled, cancellation: cancelled)))
    }

    mutating func group(_ id: SecurityGroupID, parent: LogonID, name: String, isDefault: Bool = false) {
        records.append(.securityGroup(SecurityGroup(id: id, parent: parent, name: name, isDefault: isDefault)))
    }

    mutating func assign(_ taxpayer: TaxpayerID, to group: SecurityGroupID, parent: LogonID) {
        records.append(.groupAssignment(GroupAssignment(parent: parent, taxpayer: taxpayer, group: group)))
    }

    mutating func refine(_ secondary: LogonID, _ taxpayer: TaxpayerID, _ levels: [AccountID: AccessLevel]) {
        records.append(.refinement(Refinement(secondary: secondary, taxpayer: taxpayer, accounts: levels)))
    }

    var resolver: AccessResolver { AccessResolver(records: records) }

    /// A firm (parent L1, MA of its own taxpayer TF) with a client T9 granted to L1 by a third-party grant, a
    /// custom group G2, and a secondary L2 (TA File and Pay) in G2.
    static func firm(
        clientLevels: [AccountID: AccessLevel] = ["A90": .fileAndPay, "A91": .viewOnly],
        secondary: SecondaryProfile = SecondaryProfile(
            parent: "L1", accessType: .taxAdministrator(.fileAndPay), groups: ["G2"]),
        clientInG2: Bool = true
    ) -> WorldBuilder {
        var world = WorldBuilder()
        world.taxpayer("TF", [("AF1", .withholding)])
        world.taxpayer("T9", [("A90", .withholding), ("A91", .personalIncome)])
        world.logon("L1")
        world.logon("L2", secondary: secondary)
        world.ma("L1", "TF")
        world.grant("L1", "T9", clientLevels)
        world.group("G1", parent: "L1", name: "Default", isDefault: true)
        world.group("G2", parent: "L1", name: "Payroll clients")
        if clientInG2 { world.assign("T9", to: "G2", parent: "L1") }
        return world
    }
}

extension Date {
    /// Midnight UTC of a day, for cancellations in tests.
    static func day(_ year: Int, _ month: Int, _ day: Int) -> Date {
        // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return Date(timeIntervalSince1970: Double(era * 146_097 + doe - 719_468) * 86_400)
    }
}
