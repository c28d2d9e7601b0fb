public import TaxpayerAccess
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Generates access worlds of a tax agency's size from a fixed seed: taxpayers with accounts, logons with direct
/// roles, firms (parents) with clients by third-party grants, secondary logons, security groups and refinements,
/// plus a mix of permission questions. The benchmarks and the resolver's tests load them.
///
/// ```swift
/// let world = WorldGenerator.generate(.medium, seed: 42)
/// let resolver = AccessResolver(records: world.records)
/// ```
public enum WorldGenerator {
    /// How big a world is.
    public struct Size: Sendable, Hashable {
        public var taxpayers: Int
        /// Accounts per taxpayer are drawn from 1…(2 × this − 1), so this is the mean.
        public var meanAccountsPerTaxpayer: Int
        public var logons: Int
        public var firms: Int
        public var clientsPerFirm: ClosedRange<Int>
        public var secondariesPerFirm: Int
        public var groupsPerFirm: Int
        public var questions: Int

        public init(
            taxpayers: Int, meanAccountsPerTaxpayer: Int, logons: Int, firms: Int, clientsPerFirm: ClosedRange<Int>,
            secondariesPerFirm: Int, groupsPerFirm: Int, questions: Int = 4096
        ) {
            self.taxpayers = taxpayers
            self.meanAccountsPerTaxpayer = meanAccountsPerTaxpayer
            self.logons = logons
            self.firms = firms
            self.clientsPerFirm = clientsPerFirm
            self.secondariesPerFirm = secondariesPerFirm
            self.groupsPerFirm = groupsPerFirm
            self.questions = questions
        }

        /// 1k taxpayers, 200 logons.
        public static let small = Size(
            taxpayers: 1_000, meanAccountsPerTaxpayer: 3, logons: 200, firms: 2, clientsPerFirm: 50...100,
            secondariesPerFirm: 5, groupsPerFirm: 3)
        /// 100k taxpayers, ~300k accounts, 20k logons, 50 firms of 1,000–2,000 clients, 20 secondaries and 5 groups.
        public static let medium = Size(
            taxpayers: 100_000, meanAccountsPerTaxpayer: 3, logons: 20_000, firms: 50, clientsPerFirm: 1_000...2_000,
            secondariesPerFirm: 20, groupsPerFirm: 5)
        /// 1M taxpayers, ~3M accounts, 200k logons, 500 firms.
        public static let large = Size(
            taxpayers: 1_000_000, meanAccountsPerTaxpayer: 3, logons: 200_000, firms: 500,
            clientsPerFirm: 1_000...2_000, secondariesPerFirm: 20, groupsPerFirm: 5)
    }

    /// A permission question.
    public struct Question: Sendable, Hashable {
        public var logon: LogonID
        public var account: AccountID
        public var action: AccountAction
        /// Which path the question was drawn for: `direct`, `thirdParty`, `secondary` or `random`.
        public var path: String
    }

    /// A generated world.
    public struct World: Sendable {
        /// Every record, ready to commit to a store or to build a resolver from.
        public var records: [Record]
        /// Questions mixing direct, parent (third-party) and secondary paths; about a third are allowed.
        public var questions: [Question]
        /// The parent logon with the most clients.
        public var biggestFirmParent: LogonID
        /// A secondary logon of that parent in the Default group.
        public var secondaryOfBiggestFirm: LogonID
        /// A taxpayer that several firms reach as a third party.
        public var taxpayerWithSeveralThirdParties: TaxpayerID
    }

    static let types: [AccountType] = [
        .personalIncome, .salesAndUse, .withholding, .corporateExcise, .meals, .roomOccupancy,
    ]
    static let levels: [AccessLevel] = [.viewOnly, .fileAndPay, .allAccess]

    /// Generates a world; the same size and seed give the same world.
    public static func generate(_ size: Size, seed: UInt64) -> World {
        var rng = SplitMix64(seed: seed)
        let epoch = Date(timeIntervalSince1970: 1_767_225_600)
        var records: [Record] = []
        records.reserveCapacity(size.taxpayers * (size.meanAccountsPerTaxpayer + 1) + size.logons * 2)
        var accountsOf: [[AccountID]] = []
        accountsOf.reserveCapacity(size.taxpayers)
        let firmTaxpayerCount = size.firms
        for t in 0..<size.taxpayers {
            let id = TaxpayerID("T\(t)")
            let isFirm = t < firmTaxpayerCount
            // A valid ID number for either type (RULES T1), distinct per taxpayer: area (FEIN prefix) from 100,
            // group 01–99, serial 0001–9999, so a snapshot of the world passes the services' own ID-number rule.
            let number = String(
                (100 + t / (9_999 * 99)) * 1_000_000 + (1 + t / 9_999 % 99) * 10_000 + (1 + t % 9_999))
            records.append(
                .taxpayer(
                    Taxpayer(
                        id: id, taxID: TaxIdentifier(type: isFirm || t % 5 == 0 ? .fein : .ssn, number: number),
                        legalName: "Taxpayer \(t)", kind: isFirm || t % 5 == 0 ? .business : .individual)))
            let count = 1 + rng.below(2 * size.meanAccountsPerTaxpayer - 1)
            var ids: [AccountID] = []
            for a in 0..<count {
                let account = AccountID("A\(t)_\(a)")
                ids.append(account)
                records.append(
                    .account(
                        TaxAccount(
                            id: account, taxpayer: id, type: types[(t + a) % types.count],
                            status: rng.chance(0.03) ? .closed : .active)))
            }
            accountsOf.append(ids)
        }

        var questions: [Question] = []
        var logonCount = 0
        func newLogon(
            _ secondary: SecondaryProfile? = nil, clientManagement: Bool = false, own: TaxpayerID? = nil,
            status: LogonStatus = .active
        ) -> LogonID {
            let id = LogonID("L\(logonCount)")
            logonCount += 1
            records.append(
                .logon(
                    Logon(
                        id: id, username: "user\(id.rawValue)", email: "\(id.rawValue.lowercased())@example.com",
                        fullName: "Person \(id.rawValue)", status: status, clientManagement: clientManagement,
                        ownTaxpayer: own, secondary: secondary, activated: true, createdAt: epoch)))
            return id
        }

        // Firms: parents with clients by third-party grants, groups, secondaries, refinements.
        var biggest: (LogonID, Int) = ("", -1)
        var firstSecondaryOf: [LogonID: LogonID] = [:]
        var firmClients: [TaxpayerID: Int] = [:]
        var thirdPartyQuestions: [(LogonID, AccountID, AccessLevel)] = []
        var secondaryQuestions: [(LogonID, AccountID)] = []
        let shared = TaxpayerID("T\(firmTaxpayerCount)")
        for f in 0..<size.firms {
            let firmTaxpayer = TaxpayerID("T\(f)")
            let parent = newLogon(clientManagement: true, own: firmTaxpayer)
            records.append(
                .role(
                    RoleAssignment(
                        logon: parent, taxpayer: firmTaxpayer, role: .masterAdministrator,
                        grantedAt: epoch)))
            let defaultGroup = SecurityGroup.defaultID(of: parent)
            records.append(
                .securityGroup(SecurityGroup(id: defaultGroup, parent: parent, name: "Default", isDefault: true)))
            var groups = [defaultGroup]
            for g in 1..<max(1, size.groupsPerFirm) {
                let group = SecurityGroupID("G\(f)_\(g)")
                groups.append(group)
                records.append(.securityGroup(SecurityGroup(id: group, parent: parent, name: "Group \(g)")))
            }
            let clientCount = min(rng.inRange(size.clientsPerFirm), size.taxpayers - firmTaxpayerCount)
            var clients: [TaxpayerID] = []
            var seen = Set<Int>()
            if size.taxpayers > firmTaxpayerCount {
                clients.append(shared)  // every firm reaches the shared taxpayer: several third parties
                seen.insert(firmTaxpayerCount)
            }
            while clients.count < clientCount {
                let t = firmTaxpayerCount + rng.below(size.taxpayers - firmTaxpayerCount)
                if seen.insert(t).inserted { clients.append(TaxpayerID("T\(t)")) }
            }
            for client in clients {
                let t = Int(client.rawValue.dropFirst())!
                var levels: [AccountID: AccessLevel] = [:]
                for account in accountsOf[t] where rng.chance(0.8) { levels[account] = Self.levels[rng.below(3)] }
                records.append(
                    .grant(
                        ThirdPartyGrant(
                            taxpayer: client, thirdParty: parent, accounts: levels,
                            grantedAt: epoch)))
                if let account = accountsOf[t].first(where: { levels[$0] != nil }) {
                    thirdPartyQuestions.append((parent, account, levels[account]!))
                }
                let group = groups[rng.below(groups.count)]
                if group != defaultGroup {
                    records.append(.groupAssignment(GroupAssignment(parent: parent, taxpayer: client, group: group)))
                }
                firmClients[client, default: 0] += 1
            }
            if clients.count > biggest.1 { biggest = (parent, clients.count) }
            for s in 0..<size.secondariesPerFirm {
                let access: SecondaryAccessType =
                    s % 4 == 0 ? .masterAdministrator : .taxAdministrator(Self.levels[rng.below(3)])
                let memberOf =
                    s == 0 ? [defaultGroup] : [groups[rng.below(groups.count)], groups[rng.below(groups.count)]]
                let types: Set<AccountType>? = s % 3 == 2 ? [Self.types[rng.below(Self.types.count)]] : nil
                let secondary = newLogon(
                    SecondaryProfile(
                        parent: parent, accessType: access, groups: memberOf,
                        accountTypes: types))
                if s == 0 { firstSecondaryOf[parent] = secondary }
                for _ in 0..<3 {
                    let client = clients[rng.below(clients.count)]
                    let t = Int(client.rawValue.dropFirst())!
                    secondaryQuestions.append((secondary, accountsOf[t][0]))
                }
                if rng.chance(0.3), let client = clients.last {
                    let t = Int(client.rawValue.dropFirst())!
                    records.append(
                        .refinement(
                            Refinement(
                                secondary: secondary, taxpayer: client,
                                accounts: [accountsOf[t][0]: Self.levels[rng.below(3)]])))
                }
            }
        }

        // Direct logons: MAs and TAs of individual taxpayers, a few deactivated or deleted.
        var directQuestions: [(LogonID, AccountID, AccessLevel)] = []
        while logonCount < size.logons {
            let t = firmTaxpayerCount + rng.below(max(1, size.taxpayers - firmTaxpayerCount))
            let taxpayer = TaxpayerID("T\(t)")
            let status: LogonStatus = rng.chance(0.02) ? .deactivated : (rng.chance(0.01) ? .deleted : .active)
            let logon = newLogon(own: taxpayer, status: status)
            if rng.chance(0.7) {
                records.append(
                    .role(
                        RoleAssignment(
                            logon: logon, taxpayer: taxpayer, role: .masterAdministrator,
                            grantedAt: epoch)))
                directQuestions.append((logon, accountsOf[t][0], .allAccess))
            } else {
                var levels: [AccountID: AccessLevel] = [:]
                for account in accountsOf[t] where rng.chance(0.7) { levels[account] = Self.levels[rng.below(3)] }
                records.append(
                    .role(
                        RoleAssignment(
                            logon: logon, taxpayer: taxpayer, role: .taxAdministrator,
                            accountLevels: levels, grantedAt: epoch)))
                if let account = accountsOf[t].first(where: { levels[$0] != nil }) {
                    directQuestions.append((logon, account, levels[account]!))
                }
            }
        }

        // Questions: a third drawn where a path grants (action within the level), the rest at random accounts.
        let actions = AccountAction.allCases
        func action(within level: AccessLevel) -> AccountAction {
            switch level {
            case .allAccess: actions[rng.below(actions.count)]
            case .fileAndPay: [.view, .file, .pay, .amend][rng.below(4)]
            default: .view
            }
        }
        while questions.count < size.questions {
            switch rng.below(6) {
            case 0 where !directQuestions.isEmpty:
                let (l, a, level) = directQuestions[rng.below(directQuestions.count)]
                questions.append(Question(logon: l, account: a, action: action(within: level), path: "direct"))
            case 1 where !thirdPartyQuestions.isEmpty:
                let (l, a, level) = thirdPartyQuestions[rng.below(thirdPartyQuestions.count)]
                questions.append(Question(logon: l, account: a, action: action(within: level), path: "thirdParty"))
            case 2 where !secondaryQuestions.isEmpty:
                let (l, a) = secondaryQuestions[rng.below(secondaryQuestions.count)]
                questions.append(Question(logon: l, account: a, action: .view, path: "secondary"))
            default:
                let l = LogonID("L\(rng.below(logonCount))")
                let t = rng.below(size.taxpayers)
                questions.append(
                    Question(
                        logon: l, account: accountsOf[t][rng.below(accountsOf[t].count)],
                        action: actions[rng.below(actions.count)], path: "random"))
            }
        }
        // Every firm reaches the shared taxpayer, so it has as many third parties as there are firms.
        let several = firmClients[shared] != nil ? shared : TaxpayerID("T0")
        return World(
            records: records, questions: questions, biggestFirmParent: biggest.0,
            secondaryOfBiggestFirm: firstSecondaryOf[biggest.0] ?? "", taxpayerWithSeveralThirdParties: several)
    }
}

extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func inRange(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}
