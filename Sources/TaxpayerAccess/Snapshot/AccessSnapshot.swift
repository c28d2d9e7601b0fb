#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The access snapshot document, `taxpayer-access-snapshot/1` (SnapshotFormat.md): taxpayers, accounts, logons, roles,
/// third-party grants, security groups, group assignments and refinements — never a secret.
///
/// ```swift
/// let snapshot = try AccessSnapshot.decode(from: data)      // validated; SnapshotError names the JSON path
/// let resolver = AccessResolver(snapshot: snapshot)
/// try await snapshot.import(into: store)
/// let again = try await AccessSnapshot.export(from: store)
/// let json = try again.encoded()
/// ```
///
/// Extension to the base format: a `roles` entry carries `accounts` (`{"A1": "viewOnly"}`), the Tax Administrator's
/// per-account levels — required for `taxAdministrator`, refused for `masterAdministrator`.
public struct AccessSnapshot: Hashable, Sendable, Codable {
    /// The `format` every document carries.
    public static let formatName = "taxpayer-access-snapshot/1"

    /// A taxpayer with its accounts.
    public struct TaxpayerEntry: Hashable, Sendable, Codable {
        public var id: TaxpayerID
        public var idType: IDType
        public var idNumber: String
        public var legalName: String
        public var kind: TaxpayerKind
        public var accounts: [AccountEntry]

        public init(
            id: TaxpayerID, idType: IDType, idNumber: String, legalName: String, kind: TaxpayerKind,
            accounts: [AccountEntry]
        ) {
            self.id = id
            self.idType = idType
            self.idNumber = idNumber
            self.legalName = legalName
            self.kind = kind
            self.accounts = accounts
        }
    }

    /// A tax account.
    public struct AccountEntry: Hashable, Sendable, Codable {
        public var id: AccountID
        public var type: AccountType
        public var status: AccountStatus

        public init(id: AccountID, type: AccountType, status: AccountStatus) {
            self.id = id
            self.type = type
            self.status = status
        }
    }

    /// What makes a logon a secondary logon.
    public struct SecondaryEntry: Hashable, Sendable, Codable {
        public var parent: LogonID
        public var role: Role
        /// The cap of a Tax Administrator; `nil` for a Master Administrator.
        public var level: AccessLevel?
        public var groups: [SecurityGroupID]
        /// `nil` means every account type.
        public var accountTypes: [AccountType]?

        public init(
            parent: LogonID, role: Role, level: AccessLevel?, groups: [SecurityGroupID], accountTypes: [AccountType]?
        ) {
            self.parent = parent
            self.role = role
            self.level = level
            self.groups = groups
            self.accountTypes = accountTypes
        }
    }

    /// A logon, without secrets.
    public struct LogonEntry: Hashable, Sendable, Codable {
        public var id: LogonID
        public var username: String
        public var email: String
        public var status: LogonStatus
        public var clientManagement: Bool
        public var secondary: SecondaryEntry?

        public init(
            id: LogonID, username: String, email: String, status: LogonStatus, clientManagement: Bool,
            secondary: SecondaryEntry? = nil
        ) {
            self.id = id
            self.username = username
            self.email = email
            self.status = status
            self.clientManagement = clientManagement
            self.secondary = secondary
        }
    }

    /// A live role of a logon on a taxpayer.
    public struct RoleEntry: Hashable, Sendable, Codable {
        public var logon: LogonID
        public var taxpayer: TaxpayerID
        public var role: Role
        /// A Tax Administrator's levels per account (extension); `nil` for a Master Administrator.
        public var accounts: [AccountID: AccessLevel]?

        public init(logon: LogonID, taxpayer: TaxpayerID, role: Role, accounts: [AccountID: AccessLevel]? = nil) {
            self.logon = logon
            self.taxpayer = taxpayer
            self.role = role
            self.accounts = accounts
        }
    }

    /// A live third-party grant.
    public struct GrantEntry: Hashable, Sendable, Codable {
        public var taxpayer: TaxpayerID
        public var thirdParty: LogonID
        public var accounts: [AccountID: AccessLevel]

        public init(taxpayer: TaxpayerID, thirdParty: LogonID, accounts: [AccountID: AccessLevel]) {
            self.taxpayer = taxpayer
            self.thirdParty = thirdParty
            self.accounts = accounts
        }
    }

    /// A parent's security group.
    public struct GroupEntry: Hashable, Sendable, Codable {
        public var id: SecurityGroupID
        public var parent: LogonID
        public var name: String
        public var isDefault: Bool

        public init(id: SecurityGroupID, parent: LogonID, name: String, isDefault: Bool) {
            self.id = id
            self.parent = parent
            self.name = name
            self.isDefault = isDefault
        }
    }

    /// A taxpayer placed in a parent's custom group.
    public struct AssignmentEntry: Hashable, Sendable, Codable {
        public var parent: LogonID
        public var taxpayer: TaxpayerID
        public var group: SecurityGroupID

        public init(parent: LogonID, taxpayer: TaxpayerID, group: SecurityGroupID) {
            self.parent = parent
            self.taxpayer = taxpayer
            self.group = group
        }
    }

    /// A secondary's per-client caps.
    public struct RefinementEntry: Hashable, Sendable, Codable {
        public var secondary: LogonID
        public var taxpayer: TaxpayerID
        public var accounts: [AccountID: AccessLevel]

        public init(secondary: LogonID, taxpayer: TaxpayerID, accounts: [AccountID: AccessLevel]) {
            self.secondary = secondary
            self.taxpayer = taxpayer
            self.accounts = accounts
        }
    }

    public var taxpayers: [TaxpayerEntry]
    public var logons: [LogonEntry]
    public var roles: [RoleEntry]
    public var thirdPartyGrants: [GrantEntry]
    public var securityGroups: [GroupEntry]
    public var groupAssignments: [AssignmentEntry]
    public var refinements: [RefinementEntry]

    /// Makes a document; nothing is validated until ``validate()``.
    public init(
        taxpayers: [TaxpayerEntry] = [], logons: [LogonEntry] = [], roles: [RoleEntry] = [],
        thirdPartyGrants: [GrantEntry] = [], securityGroups: [GroupEntry] = [],
        groupAssignments: [AssignmentEntry] = [],
        refinements: [RefinementEntry] = []
    ) {
        self.taxpayers = taxpayers
        self.logons = logons
        self.roles = roles
        self.thirdPartyGrants = thirdPartyGrants
        self.securityGroups = securityGroups
        self.groupAssignments = groupAssignments
        self.refinements = refinements
    }

    /// Decodes and validates a document.
    ///
    /// - Throws: ``SnapshotError`` naming the JSON path of the first fault (malformed JSON, a key given twice in
    ///   one object, unknown key, bad value, a field breaking the services' rule, unknown or duplicate id, …).
    public static func decode(from data: Data) throws -> AccessSnapshot {
        // The strict pass refuses bad grammar and a key given twice (which `JSONDecoder` would settle silently)
        // anywhere in the document first; the reader then builds the entries from the bytes in one pass, refusing
        // what the `Codable` conformances refuse with the same paths and messages.
        try StrictJSON.check(data)
        let snapshot = try SnapshotReader.read(data)
        try snapshot.validate()
        return snapshot
    }

    /// The document as JSON: arrays sorted by id, keys in a stable (sorted) order, pretty-printed.
    ///
    /// - Throws: `EncodingError` (not expected for a validated document).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try encoder.encode(normalized())
    }

    /// A copy with every array in its canonical order: by id, pairs by their ids, group and type lists sorted.
    public func normalized() -> AccessSnapshot {
        var copy = self
        copy.taxpayers = taxpayers.map { entry in
            var entry = entry
            entry.accounts.sort { $0.id < $1.id }
            return entry
        }.sorted { $0.id < $1.id }
        copy.logons = logons.map { entry in
            var entry = entry
            if var secondary = entry.secondary {
                secondary.groups.sort()
                secondary.accountTypes = secondary.accountTypes.map { Array(Set($0)).sorted() }
                entry.secondary = secondary
            }
            return entry
        }.sorted { $0.id < $1.id }
        copy.roles.sort { ($0.logon, $0.taxpayer) < ($1.logon, $1.taxpayer) }
        copy.thirdPartyGrants.sort { ($0.thirdParty, $0.taxpayer) < ($1.thirdParty, $1.taxpayer) }
        copy.securityGroups.sort { $0.id < $1.id }
        copy.groupAssignments.sort { ($0.parent, $0.taxpayer) < ($1.parent, $1.taxpayer) }
        copy.refinements.sort { ($0.secondary, $0.taxpayer) < ($1.secondary, $1.taxpayer) }
        return copy
    }
}

extension SnapshotError {
    /// A decoding failure as a snapshot error with its JSON path.
    init(decoding error: DecodingError) {
        switch error {
        case .keyNotFound(let key, let context):
            self.init(path: SnapshotCoding.path(context.codingPath + [key]), message: "missing")
        case .typeMismatch(let type, let context):
            self.init(path: SnapshotCoding.path(context.codingPath), message: "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(
                path: SnapshotCoding.path(context.codingPath), message: "expected \(Self.describe(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                self.init(path: "$", message: "not valid JSON")
            } else {
                self.init(path: SnapshotCoding.path(context.codingPath), message: context.debugDescription)
            }
        @unknown default:
            self.init(path: "$", message: "not a readable document")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is [Any].Type: "an array"
        case is [String: Any].Type: "an object"
        default: "a value of another type"
        }
    }
}
