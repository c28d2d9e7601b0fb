#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where a logon stands.
public enum LogonStatus: String, Sendable, Hashable, Codable {
    /// Applied for (RULES R10), waiting for the agency's approval; holds no access.
    case pendingApproval
    /// Live. Only an active logon has access (RULES L4).
    case active
    /// Switched off by its parent (RULES S8); may be reactivated.
    case deactivated
    /// Deleted (RULES P2) or cancelled (RULES S8): never logs in again, never reached by any path.
    case deleted
}

/// A phone number with its country and type (RULES R4).
public struct PhoneNumber: Hashable, Sendable, Codable {
    /// What kind of line it is.
    public enum LineType: String, Sendable, Hashable, Codable, CaseIterable { case mobile, landline, work }
    /// The country calling code, digits only (`1` for the United States).
    public var countryCode: String
    /// The line type; only a mobile receives text messages.
    public var type: LineType
    /// The national number, digits only.
    public var number: String

    public init(countryCode: String = "1", type: LineType = .mobile, number: String) {
        self.countryCode = countryCode
        self.type = type
        self.number = number
    }

    /// Masked as RULES A5 shows it: `(***) ***-1111`.
    public var masked: String { Masking.phone(self) }
}

/// The fixed list of security questions (RULES R7).
public enum SecurityQuestion: String, Sendable, Hashable, Codable, CaseIterable {
    case firstPet, motherMaidenName, birthCity, firstSchool, favouriteTeacher, firstCar, childhoodStreet

    /// The question as the applicant reads it.
    public var text: String {
        switch self {
        case .firstPet: "What was the name of your first pet?"
        case .motherMaidenName: "What is your mother's maiden name?"
        case .birthCity: "In what city were you born?"
        case .firstSchool: "What was the name of your first school?"
        case .favouriteTeacher: "Who was your favourite teacher?"
        case .firstCar: "What was the make of your first car?"
        case .childhoodStreet: "On what street did you live as a child?"
        }
    }
}

/// The secrets of a logon, each stored only as a slow hash (RULES R6, R7, V2).
public struct Credentials: Hashable, Sendable, Codable {
    /// Argon2id hash of the password; `nil` until the person sets one (a secondary logon awaiting completion).
    package var passwordHash: String?
    /// Hashes of earlier passwords, newest first (RULES V2).
    package var passwordHistory: [String]
    /// Argon2id hash of the 4-digit PIN (RULES R4).
    package var pinHash: String?
    /// The chosen security question (RULES R7).
    package var securityQuestion: SecurityQuestion?
    /// Argon2id hash of the normalised answer (RULES R7).
    package var securityAnswerHash: String?
    /// When the password was last set.
    package var passwordChangedAt: Date?

    public init(
        passwordHash: String? = nil, passwordHistory: [String] = [], pinHash: String? = nil,
        securityQuestion: SecurityQuestion? = nil, securityAnswerHash: String? = nil, passwordChangedAt: Date? = nil
    ) {
        self.passwordHash = passwordHash
        self.passwordHistory = passwordHistory
        self.pinHash = pinHash
        self.securityQuestion = securityQuestion
        self.securityAnswerHash = securityAnswerHash
        self.passwordChangedAt = passwordChangedAt
    }

    /// A copy with every hash removed, for audit records.
    package var redacted: Credentials {
        Credentials(securityQuestion: securityQuestion, passwordChangedAt: passwordChangedAt)
    }
}

/// `print`, `dump` and string interpolation of credentials (or of a logon holding them) show which secrets are set,
/// never their hashes.
extension Credentials: CustomStringConvertible, CustomReflectable {
    public var description: String {
        "Credentials(password: \(passwordHash == nil ? "unset" : "set"), PIN: \(pinHash == nil ? "unset" : "set"), "
            + "security answer: \(securityAnswerHash == nil ? "unset" : "set"))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "password": passwordHash == nil ? "unset" : "set", "pin": pinHash == nil ? "unset" : "set",
                "securityAnswer": securityAnswerHash == nil ? "unset" : "set",
            ], displayStyle: .struct)
    }
}

/// The TOTP algorithm of an authenticator app (RULES A8).
public enum TOTPAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
}

/// A two-step verification method (RULES A3).
public enum TwoStepMethod: Hashable, Sendable, Codable {
    /// Codes by email to `address`, the address this method names (RULES A3): the profile email unless another was
    /// given when it was set up, and proven by a code sent there. `nil` only in methods set up before A3 named the
    /// address: those follow the profile email.
    case email(address: String?)
    /// Codes by text message to a mobile number.
    case text(PhoneNumber)
    /// An authenticator app. The shared secret is kept sealed (XSalsa20-Poly1305 under the sealing key), never in the clear.
    case authenticator(sealedSecret: [UInt8], algorithm: TOTPAlgorithm)

    /// The kind without its details.
    public var kind: TwoStepKind {
        switch self {
        case .email: .email
        case .text: .text
        case .authenticator: .authenticator
        }
    }
}

/// The kind of a two-step method.
public enum TwoStepKind: String, Sendable, Hashable, Codable, CaseIterable { case email, text, authenticator }

extension TwoStepMethod {
    /// Where this method's codes go (RULES A3): its own address for email, the mobile number for text, `nil` for an
    /// authenticator app, which sends nothing.
    ///
    /// - Parameter profileEmail: the logon's email, for an email method set up before A3 named its address.
    public func emailAddress(profileEmail: String) -> String? {
        if case .email(let address) = self { return address ?? profileEmail }
        return nil
    }
}

/// A logon's two-step verification settings (RULES A3, A8, R12).
public struct TwoStepSettings: Hashable, Sendable, Codable {
    /// The methods set up; at least one once set-up is done.
    public var methods: [TwoStepMethod]
    /// The last TOTP time step accepted, so a step is never used twice (RULES A8).
    package var lastTOTPStep: UInt64?

    public init(methods: [TwoStepMethod] = [], lastTOTPStep: UInt64? = nil) {
        self.methods = methods
        self.lastTOTPStep = lastTOTPStep
    }

    /// Whether two-step verification still has to be set up (RULES R12).
    public var setupRequired: Bool { methods.isEmpty }

    /// A copy with secrets removed, for audit records.
    public var redacted: TwoStepSettings {
        TwoStepSettings(
            methods: methods.map {
                if case .authenticator(_, let algorithm) = $0 {
                    return .authenticator(sealedSecret: [], algorithm: algorithm)
                }
                return $0
            }, lastTOTPStep: nil)
    }
}

/// How a secondary logon holds access (RULES S2, S6).
public enum SecondaryAccessType: Hashable, Sendable, Codable {
    /// A secondary Master Administrator: cap All Access, and may do firm administration (RULES S1).
    case masterAdministrator
    /// A secondary Tax Administrator capped at a level.
    case taxAdministrator(AccessLevel)

    /// The cap this access type puts on the secondary's level (RULES S6).
    public var cap: AccessLevel {
        switch self {
        case .masterAdministrator: .allAccess
        case .taxAdministrator(let level): level
        }
    }
}

/// What makes a logon a secondary logon of a parent (RULES S2–S6).
public struct SecondaryProfile: Hashable, Sendable, Codable {
    /// The parent logon: an MA of its own firm taxpayer (RULES S1).
    public var parent: LogonID
    /// MA or TA with a level.
    public var accessType: SecondaryAccessType
    /// The parent's security groups it belongs to; empty means the Default group (RULES S5).
    public var groups: [SecurityGroupID]
    /// The account types it applies to; `nil` means every type (RULES S2).
    public var accountTypes: Set<AccountType>?

    public init(
        parent: LogonID, accessType: SecondaryAccessType, groups: [SecurityGroupID] = [],
        accountTypes: Set<AccountType>? = nil
    ) {
        self.parent = parent
        self.accessType = accessType
        self.groups = groups
        self.accountTypes = accountTypes
    }
}

/// A logon: a person's username, password and profile, and where it stands.
public struct Logon: Hashable, Sendable, Codable {
    public var id: LogonID
    /// Never changes (RULES R5); unique case-insensitively and never reused.
    public var username: String
    /// Unique among live logons, case-insensitively (RULES R4).
    public var email: String
    public var fullName: String
    public var phone: PhoneNumber?
    public var status: LogonStatus
    /// "Manage My Clients" (RULES R8, X1).
    public var clientManagement: Bool
    /// The taxpayer whose identity the logon proved when it registered (RULES R11, X1); `nil` for a secondary.
    public var ownTaxpayer: TaxpayerID?
    /// Present for a secondary logon (RULES S2).
    public var secondary: SecondaryProfile?
    package var credentials: Credentials
    public var twoStep: TwoStepSettings
    /// Whether the person has activated the logon (RULES R12) or completed it from the link (RULES S2).
    public var activated: Bool
    public var createdAt: Date

    public init(
        id: LogonID, username: String, email: String, fullName: String, phone: PhoneNumber? = nil,
        status: LogonStatus = .active, clientManagement: Bool = false, ownTaxpayer: TaxpayerID? = nil,
        secondary: SecondaryProfile? = nil, credentials: Credentials = Credentials(),
        twoStep: TwoStepSettings = TwoStepSettings(), activated: Bool = false,
        createdAt: Date = Date(timeIntervalSince1970: 0)
    ) {
        self.id = id
        self.username = username
        self.email = email
        self.fullName = fullName
        self.phone = phone
        self.status = status
        self.clientManagement = clientManagement
        self.ownTaxpayer = ownTaxpayer
        self.secondary = secondary
        self.credentials = credentials
        self.twoStep = twoStep
        self.activated = activated
        self.createdAt = createdAt
    }

    /// The case-insensitive form of a username or email that uniqueness compares (RULES R4, R5).
    public static func normalizedKey(_ text: String) -> String { text.lowercased() }

    /// The agency's label of the logon's access type (RULES S9).
    public var accessTypeLabel: String { secondary == nil ? "Web Logon" : "Parent Web Logon" }

    /// A copy without secrets, for audit records.
    public var redacted: Logon {
        var copy = self
        copy.credentials = credentials.redacted
        copy.twoStep = twoStep.redacted
        return copy
    }
}
