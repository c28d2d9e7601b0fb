#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A role a logon holds on a taxpayer (RULES L3).
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// Master Administrator: All Access on every account, administers the taxpayer's logons and third parties.
    case masterAdministrator
    /// Tax Administrator: the per-account levels it was given; administers nothing.
    case taxAdministrator

    /// The words a taxpayer reads.
    public var displayName: String {
        switch self {
        case .masterAdministrator: "Master Administrator"
        case .taxAdministrator: "Tax Administrator"
        }
    }
}

/// Whether a role or grant is live. A cancel is for ever: only a new grant restores access (RULES M3, X8).
public enum GrantStatus: String, Sendable, Hashable, Codable {
    case active, cancelled
}

/// Who cancelled something and when, for explanations (``AccessExplanation``) and history (RULES U2).
public struct Cancellation: Hashable, Sendable, Codable {
    public var by: AuditActor
    public var at: Date
    /// Which role the canceller acted in, in words: "the taxpayer's Master Administrator", "the logon itself".
    public var capacity: String

    init(by: AuditActor, at: Date, capacity: String) {
        self.by = by
        self.at = at
        self.capacity = capacity
    }
}

/// A logon's role on a taxpayer: the direct path of RULES L4 (M1–M4). One record per logon and taxpayer.
public struct RoleAssignment: Hashable, Sendable, Codable {
    public var logon: LogonID
    public var taxpayer: TaxpayerID
    public var role: Role
    /// A Tax Administrator's level per account; ignored for a Master Administrator, who has All Access on every
    /// account (RULES L3).
    public var accountLevels: [AccountID: AccessLevel]
    public var status: GrantStatus
    public var grantedAt: Date
    public var cancellation: Cancellation?

    public init(
        logon: LogonID, taxpayer: TaxpayerID, role: Role, accountLevels: [AccountID: AccessLevel] = [:],
        status: GrantStatus = .active, grantedAt: Date = Date(timeIntervalSince1970: 0),
        cancellation: Cancellation? = nil
    ) {
        self.logon = logon
        self.taxpayer = taxpayer
        self.role = role
        self.accountLevels = role == .masterAdministrator ? [:] : accountLevels
        self.status = status
        self.grantedAt = grantedAt
        self.cancellation = cancellation
    }

    /// The record's key: one role per logon and taxpayer.
    public var key: String { "\(logon.rawValue)|\(taxpayer.rawValue)" }
}

/// A third party's access to a taxpayer's accounts (RULES X5–X9). One record per third party and taxpayer.
public struct ThirdPartyGrant: Hashable, Sendable, Codable {
    public var taxpayer: TaxpayerID
    public var thirdParty: LogonID
    /// The level per account; an account absent or at ``AccessLevel/none`` gives nothing.
    public var accounts: [AccountID: AccessLevel]
    public var status: GrantStatus
    public var grantedAt: Date
    /// The request it came from, where there was one.
    public var request: AccessRequestID?
    public var cancellation: Cancellation?

    public init(
        taxpayer: TaxpayerID, thirdParty: LogonID, accounts: [AccountID: AccessLevel], status: GrantStatus = .active,
        grantedAt: Date = Date(timeIntervalSince1970: 0), request: AccessRequestID? = nil,
        cancellation: Cancellation? = nil
    ) {
        self.taxpayer = taxpayer
        self.thirdParty = thirdParty
        self.accounts = accounts
        self.status = status
        self.grantedAt = grantedAt
        self.request = request
        self.cancellation = cancellation
    }

    /// The record's key: one grant per third party and taxpayer.
    public var key: String { "\(thirdParty.rawValue)|\(taxpayer.rawValue)" }
}

/// A parent logon's security group (RULES S3).
public struct SecurityGroup: Hashable, Sendable, Codable {
    public var id: SecurityGroupID
    public var parent: LogonID
    public var name: String
    /// The Default group always exists and cannot be deleted.
    public var isDefault: Bool

    public init(id: SecurityGroupID, parent: LogonID, name: String, isDefault: Bool = false) {
        self.id = id
        self.parent = parent
        self.name = name
        self.isDefault = isDefault
    }

    /// The id the Default group of a parent always has.
    public static func defaultID(of parent: LogonID) -> SecurityGroupID {
        SecurityGroupID("\(parent.rawValue)#default")
    }
}

/// Which of a parent's groups a taxpayer sits in, when not Default (RULES S4).
public struct GroupAssignment: Hashable, Sendable, Codable {
    public var parent: LogonID
    public var taxpayer: TaxpayerID
    public var group: SecurityGroupID

    public init(parent: LogonID, taxpayer: TaxpayerID, group: SecurityGroupID) {
        self.parent = parent
        self.taxpayer = taxpayer
        self.group = group
    }

    public var key: String { "\(parent.rawValue)|\(taxpayer.rawValue)" }
}

/// A per-client cap on a secondary logon's level, per account (RULES S6). ``AccessLevel/none`` takes an account away.
public struct Refinement: Hashable, Sendable, Codable {
    public var secondary: LogonID
    public var taxpayer: TaxpayerID
    public var accounts: [AccountID: AccessLevel]

    public init(secondary: LogonID, taxpayer: TaxpayerID, accounts: [AccountID: AccessLevel]) {
        self.secondary = secondary
        self.taxpayer = taxpayer
        self.accounts = accounts
    }

    public var key: String { "\(secondary.rawValue)|\(taxpayer.rawValue)" }
}

/// How the taxpayer will approve a third-party request (RULES X2–X4).
public enum ApprovalChannel: String, Sendable, Hashable, Codable, CaseIterable {
    case online, printedForm
}

/// Where a third-party request stands (RULES X5, X10).
public enum RequestStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, approved, denied, expired, withdrawn
}

/// A third party's request for access to a taxpayer's accounts (RULES X2–X5, X10).
public struct AccessRequest: Hashable, Sendable, Codable {
    public var id: AccessRequestID
    /// `d-ddd-ddd-ddd`, printed on the authorization form (RULES X4).
    public var confirmationNumber: String
    public var thirdParty: LogonID
    public var taxpayer: TaxpayerID
    /// The level asked for each account.
    public var accounts: [AccountID: AccessLevel]
    public var channel: ApprovalChannel
    public var status: RequestStatus
    public var createdAt: Date
    public var expiresAt: Date
    public var decidedAt: Date?
    public var decidedBy: AuditActor?

    init(
        id: AccessRequestID, confirmationNumber: String, thirdParty: LogonID, taxpayer: TaxpayerID,
        accounts: [AccountID: AccessLevel], channel: ApprovalChannel, status: RequestStatus = .pending,
        createdAt: Date, expiresAt: Date, decidedAt: Date? = nil, decidedBy: AuditActor? = nil
    ) {
        self.id = id
        self.confirmationNumber = confirmationNumber
        self.thirdParty = thirdParty
        self.taxpayer = taxpayer
        self.accounts = accounts
        self.channel = channel
        self.status = status
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
    }
}

/// A third party's favourite client (RULES W2).
public struct ClientFavourite: Hashable, Sendable, Codable {
    public var thirdParty: LogonID
    public var taxpayer: TaxpayerID
    init(thirdParty: LogonID, taxpayer: TaxpayerID) {
        self.thirdParty = thirdParty
        self.taxpayer = taxpayer
    }
    public var key: String { "\(thirdParty.rawValue)|\(taxpayer.rawValue)" }
}
