#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a third party gets back when it submits a request (RULES X2–X4).
public struct AccessRequestReceipt: Hashable, Sendable {
    public var request: AccessRequestID
    /// `d-ddd-ddd-ddd` (RULES X4).
    public var confirmationNumber: String
    public var expiresAt: Date
    /// For the printed-form channel: the authorization to print, sign and send to the agency (RULES X4).
    public var printableAuthorization: String?

    public init(request: AccessRequestID, confirmationNumber: String, expiresAt: Date, printableAuthorization: String?)
    {
        self.request = request
        self.confirmationNumber = confirmationNumber
        self.expiresAt = expiresAt
        self.printableAuthorization = printableAuthorization
    }
}

/// Who decides a request (RULES X4, X5).
enum RequestDecider: Hashable, Sendable {
    /// A Master Administrator of the taxpayer, online.
    case masterAdministrator(Logon)
    /// The agency recording the taxpayer's signed printed form.
    case agency(operator: String)

    var actor: AuditActor {
        switch self {
        case .masterAdministrator(let logon): .logon(logon.id)
        case .agency(let name): .agency(operator: name)
        }
    }
}

/// One entry of a third party's client list (RULES W2).
public struct ClientEntry: Hashable, Sendable {
    public var taxpayer: TaxpayerID
    public var legalName: String
    /// The ID number masked (RULES T4).
    public var maskedTaxID: String
    /// The third party's own business rather than a client.
    public var isOwnBusiness: Bool
    public var isFavourite: Bool
    /// The level per account it holds.
    public var accounts: [AccountID: AccessLevel]

    public init(
        taxpayer: TaxpayerID, legalName: String, maskedTaxID: String, isOwnBusiness: Bool, isFavourite: Bool,
        accounts: [AccountID: AccessLevel]
    ) {
        self.taxpayer = taxpayer
        self.legalName = legalName
        self.maskedTaxID = maskedTaxID
        self.isOwnBusiness = isOwnBusiness
        self.isFavourite = isFavourite
        self.accounts = accounts
    }
}

/// An account of a matched taxpayer that a third party may ask for (RULES X2): its type and a masked number, and an
/// opaque choice to name it in ``ThirdPartyAccess/requestAccess(_:idType:idNumber:legalName:choices:channel:)`` —
/// nothing else about the taxpayer.
public struct RequestableAccount: Hashable, Sendable {
    /// Names the account in a request; meaningless outside this portal and this taxpayer.
    public var choice: AccountChoice
    public var type: AccountType
    /// The account number with all but its last four characters hidden (``Masking/accountNumber(_:)``).
    public var maskedNumber: String

    public init(choice: AccountChoice, type: AccountType, maskedNumber: String) {
        self.choice = choice
        self.type = type
        self.maskedNumber = maskedNumber
    }
}

/// An opaque name of a requestable account (``RequestableAccount``): a keyed hash of the taxpayer and the account,
/// so it tells nothing of the account's number.
public struct AccountChoice: Hashable, Sendable, Codable, RawRepresentable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}
