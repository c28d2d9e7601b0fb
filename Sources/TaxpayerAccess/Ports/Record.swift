/// The kinds of record an ``AccessStore`` keeps.
public enum RecordKind: String, Sendable, Hashable, Codable, CaseIterable {
    case taxpayer, account, logon, role, grant, securityGroup, groupAssignment, refinement, accessRequest,
        registration, session, trustedDevice, verificationCode, linkToken, eMessage, favourite, proofAttempts, mail,
        logonLock, text,
        sealingKeys
}

/// The address of one record: its kind and id.
public struct RecordKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var kind: RecordKind
    public var id: String
    public init(_ kind: RecordKind, _ id: String) {
        self.kind = kind
        self.id = id
    }
    public var description: String { "\(kind.rawValue)/\(id)" }
}

/// Any record the store keeps. Stores persist it as it is (its `Codable` form) and enforce its ``uniqueKeys``.
public enum Record: Hashable, Sendable, Codable {
    case taxpayer(Taxpayer)
    case account(TaxAccount)
    case logon(Logon)
    case role(RoleAssignment)
    case grant(ThirdPartyGrant)
    case securityGroup(SecurityGroup)
    case groupAssignment(GroupAssignment)
    case refinement(Refinement)
    case accessRequest(AccessRequest)
    case registration(Registration)
    case session(Session)
    case trustedDevice(TrustedDevice)
    case verificationCode(VerificationCode)
    case linkToken(LinkToken)
    case eMessage(EMessage)
    case favourite(ClientFavourite)
    case proofAttempts(ProofAttempts)
    case mail(OutboxMail)
    case logonLock(LogonLock)
    case text(OutboxText)
    /// The ids and check values of the keys that sealed the store's data (``SealingKeyCheck``); never a key.
    case sealingKeys(SealingKeyRegistry)

    /// The record's address.
    public var key: RecordKey {
        switch self {
        case .taxpayer(let r): RecordKey(.taxpayer, r.id.rawValue)
        case .account(let r): RecordKey(.account, r.id.rawValue)
        case .logon(let r): RecordKey(.logon, r.id.rawValue)
        case .role(let r): RecordKey(.role, r.key)
        case .grant(let r): RecordKey(.grant, r.key)
        case .securityGroup(let r): RecordKey(.securityGroup, r.id.rawValue)
        case .groupAssignment(let r): RecordKey(.groupAssignment, r.key)
        case .refinement(let r): RecordKey(.refinement, r.key)
        case .accessRequest(let r): RecordKey(.accessRequest, r.id.rawValue)
        case .registration(let r): RecordKey(.registration, r.id.rawValue)
        case .session(let r): RecordKey(.session, r.id.rawValue)
        case .trustedDevice(let r): RecordKey(.trustedDevice, r.id.rawValue)
        case .verificationCode(let r): RecordKey(.verificationCode, r.key)
        case .linkToken(let r): RecordKey(.linkToken, r.id.rawValue)
        case .eMessage(let r): RecordKey(.eMessage, r.id.rawValue)
        case .favourite(let r): RecordKey(.favourite, r.key)
        case .proofAttempts(let r): RecordKey(.proofAttempts, r.taxIDKey)
        case .mail(let r): RecordKey(.mail, r.id.rawValue)
        case .logonLock(let r): RecordKey(.logonLock, r.id)
        case .text(let r): RecordKey(.text, r.id.rawValue)
        case .sealingKeys: RecordKey(.sealingKeys, SealingKeyRegistry.recordID)
        }
    }

    /// Keys no two records may share at once. The store enforces them atomically within ``AccessStore/commit(_:)``
    /// (never check-then-insert): usernames for ever (R5), emails of live logons (R4), taxpayer IDs
    /// (T1), confirmation numbers (R10), token hashes, one pending request per pair (X10), group
    /// names per parent (S3).
    public var uniqueKeys: [UniqueKey] {
        switch self {
        case .taxpayer(let r): [UniqueKey(.taxID, r.taxID.key)]
        case .logon(let r):
            r.status == .deleted
                ? [UniqueKey(.username, Logon.normalizedKey(r.username))]
                : [
                    UniqueKey(.username, Logon.normalizedKey(r.username)),
                    UniqueKey(.email, Logon.normalizedKey(r.email)),
                ]
        case .securityGroup(let r): [UniqueKey.groupName(parent: r.parent, name: r.name)]
        case .accessRequest(let r):
            r.status == .pending
                ? [
                    UniqueKey(.requestConfirmation, r.confirmationNumber),
                    UniqueKey(.pendingRequest, "\(r.thirdParty.rawValue)|\(r.taxpayer.rawValue)"),
                ]
                : [UniqueKey(.requestConfirmation, r.confirmationNumber)]
        case .registration(let r): [UniqueKey(.registrationConfirmation, r.confirmationNumber)]
        case .session(let r): [UniqueKey(.sessionToken, r.tokenHash.hex)]
        case .trustedDevice(let r): [UniqueKey(.deviceToken, r.tokenHash.hex)]
        case .linkToken(let r): [UniqueKey(.linkToken, r.tokenHash.hex)]
        default: []
        }
    }

    /// Secondary keys for lookups (``AccessStore/records(indexedBy:)``); not unique.
    public var indexKeys: [IndexKey] {
        switch self {
        case .account(let r): [IndexKey(.accountsOf, r.taxpayer.rawValue)]
        case .role(let r):
            [IndexKey(.rolesOnTaxpayer, r.taxpayer.rawValue), IndexKey(.rolesOfLogon, r.logon.rawValue)]
        case .grant(let r):
            [IndexKey(.grantsOnTaxpayer, r.taxpayer.rawValue), IndexKey(.grantsOfThirdParty, r.thirdParty.rawValue)]
        case .logon(let r):
            r.secondary.map { [IndexKey(.secondariesOf, $0.parent.rawValue)] } ?? []
        case .securityGroup(let r): [IndexKey(.groupsOf, r.parent.rawValue)]
        case .groupAssignment(let r): [IndexKey(.assignmentsOf, r.parent.rawValue)]
        case .refinement(let r): [IndexKey(.refinementsOf, r.secondary.rawValue)]
        case .accessRequest(let r):
            [
                IndexKey(.requestsOnTaxpayer, r.taxpayer.rawValue),
                IndexKey(.requestsOfThirdParty, r.thirdParty.rawValue),
            ]
        case .registration(let r): [IndexKey(.registrationsOf, r.logon.rawValue)]
        case .session(let r): [IndexKey(.sessionsOf, r.logon.rawValue)]
        case .trustedDevice(let r): [IndexKey(.devicesOf, r.logon.rawValue)]
        case .linkToken(let r): r.purpose == .decoy ? [] : [IndexKey(.linksOf, r.logon.rawValue)]
        case .eMessage(let r): [IndexKey(.messagesOf, r.logon.rawValue)]
        case .favourite(let r): [IndexKey(.favouritesOf, r.thirdParty.rawValue)]
        case .mail(let r): r.status == .pending ? [IndexKey.pendingMail] : []
        case .text(let r): r.status == .pending ? [IndexKey.pendingText] : []
        default: []
        }
    }

    /// A copy fit for the audit log: no hashes, no sealed secrets, no code hashes.
    public var redacted: Record {
        switch self {
        case .logon(let r): return .logon(r.redacted)
        case .verificationCode(var r):
            r.codeHash = ""
            r.pendingMethod = nil
            return .verificationCode(r)
        default: return self
        }
    }
}

/// A key the store keeps unique (see ``Record/uniqueKeys``).
public struct UniqueKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What a unique key is: ``username``, ``email``, … Errors name a key by this name only, never by its value.
    /// It codes as its raw string (the standard library's `RawRepresentable` coding).
    public struct Name: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A taxpayer's normalised taxpayer ID (T1).
        public static let taxID = Name(rawValue: "taxID")
        /// A logon's normalised username, held for ever, also after deletion (R5).
        public static let username = Name(rawValue: "username")
        /// A live logon's normalised email (R4).
        public static let email = Name(rawValue: "email")
        /// A security group's name under its parent (S3).
        public static let groupName = Name(rawValue: "groupName")
        /// An access request's confirmation number.
        public static let requestConfirmation = Name(rawValue: "requestConfirmation")
        /// One pending request per third party and taxpayer (X10).
        public static let pendingRequest = Name(rawValue: "pendingRequest")
        /// A registration's confirmation number (R10).
        public static let registrationConfirmation = Name(rawValue: "registrationConfirmation")
        /// The hash of a session token.
        public static let sessionToken = Name(rawValue: "sessionToken")
        /// The hash of a trusted device's token.
        public static let deviceToken = Name(rawValue: "deviceToken")
        /// The hash of a link token.
        public static let linkToken = Name(rawValue: "linkToken")
    }

    public var name: Name
    public var value: String
    public init(_ name: Name, _ value: String) {
        self.name = name
        self.value = value
    }
    public var description: String { "\(name):\(value)" }

    /// A security group's name under its parent, compared case-insensitively (RULES S3): the key a group record
    /// holds, and the one the snapshot reader checks a document's groups by.
    package static func groupName(parent: LogonID, name: String) -> UniqueKey {
        UniqueKey(.groupName, "\(parent.rawValue)|\(name.lowercased())")
    }

    /// Keys are equal when their bytes are, as every SQL store compares them (`COLLATE "C"`, SQLite's BINARY): two
    /// spellings of one text that Swift's `String` holds equal (a precomposed and a decomposed "é") are two keys in
    /// every store alike.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        for byte in value.utf8 { hasher.combine(byte) }
        hasher.combine(0xFF as UInt8)  // no UTF-8 byte: ends the value
    }
}

/// A non-unique lookup key (see ``Record/indexKeys``).
public struct IndexKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// What an index key groups by: ``accountsOf``, ``rolesOnTaxpayer``, …
    public struct Name: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let accountsOf = Name(rawValue: "accountsOf")
        public static let rolesOnTaxpayer = Name(rawValue: "rolesOnTaxpayer")
        public static let rolesOfLogon = Name(rawValue: "rolesOfLogon")
        public static let grantsOnTaxpayer = Name(rawValue: "grantsOnTaxpayer")
        public static let grantsOfThirdParty = Name(rawValue: "grantsOfThirdParty")
        public static let secondariesOf = Name(rawValue: "secondariesOf")
        public static let groupsOf = Name(rawValue: "groupsOf")
        public static let assignmentsOf = Name(rawValue: "assignmentsOf")
        public static let refinementsOf = Name(rawValue: "refinementsOf")
        public static let requestsOnTaxpayer = Name(rawValue: "requestsOnTaxpayer")
        public static let requestsOfThirdParty = Name(rawValue: "requestsOfThirdParty")
        public static let registrationsOf = Name(rawValue: "registrationsOf")
        public static let sessionsOf = Name(rawValue: "sessionsOf")
        public static let devicesOf = Name(rawValue: "devicesOf")
        public static let linksOf = Name(rawValue: "linksOf")
        public static let messagesOf = Name(rawValue: "messagesOf")
        public static let favouritesOf = Name(rawValue: "favouritesOf")
        /// Outbox mail by status (``IndexKey/pendingMail``).
        public static let mail = Name(rawValue: "mail")
        /// Outbox texts by status (``IndexKey/pendingText``).
        public static let text = Name(rawValue: "text")
    }

    public var name: Name
    public var value: String
    public init(_ name: Name, _ value: String) {
        self.name = name
        self.value = value
    }
    public var description: String { "\(name):\(value)" }

    /// Every outbox mail still to be sent.
    public static let pendingMail = IndexKey(.mail, "pending")
    /// Every outbox text still to be sent.
    public static let pendingText = IndexKey(.text, "pending")
}

/// A record with the version the store holds it at. Versions start at 1 and grow by one with every write.
public struct Versioned<Value: Sendable & Hashable>: Sendable, Hashable {
    public var value: Value
    public var version: Int
    public init(_ value: Value, version: Int) {
        self.value = value
        self.version = version
    }
}

extension Versioned: Codable where Value: Codable {}
