/// The kind of taxpayer identification number (RULES T1).
public enum IDType: String, Sendable, Hashable, CaseIterable, Codable {
    /// Social Security Number.
    case ssn = "SSN"
    /// Individual Taxpayer Identification Number.
    case itin = "ITIN"
    /// Federal Employer Identification Number.
    case fein = "FEIN"
}

/// An ID type with its nine-digit number: the pair that identifies a taxpayer (RULES T1).
///
/// Its ``description`` is masked (RULES T4), so it is safe to interpolate into a log line.
public struct TaxIdentifier: Hashable, Sendable, Codable, CustomStringConvertible {
    /// SSN, ITIN or FEIN.
    public var type: IDType
    /// The nine digits, without separators.
    public var number: String

    /// Makes an identifier from a type and nine digits, as given: the services and the snapshot reader check a number
    /// that comes from a person (RULES T1) before they make one.
    public init(type: IDType, number: String) {
        self.type = type
        self.number = number
    }

    /// The number masked as RULES T4 shows it.
    public var masked: String { Masking.taxIdentifier(self) }

    /// A key for lookups: type and number.
    public var key: String { "\(type.rawValue):\(number)" }

    public var description: String { "\(type.rawValue) \(masked)" }
}

/// What a taxpayer is (RULES T1).
public enum TaxpayerKind: String, Sendable, Hashable, CaseIterable, Codable {
    case individual, business, fiduciary, trust, partnership, estate
}

/// A taxpayer as the library keeps it: what access decisions need (RULES T1, T3).
public struct Taxpayer: Hashable, Sendable, Codable {
    public var id: TaxpayerID
    public var taxID: TaxIdentifier
    public var legalName: String
    public var kind: TaxpayerKind

    public init(id: TaxpayerID, taxID: TaxIdentifier, legalName: String, kind: TaxpayerKind) {
        self.id = id
        self.taxID = taxID
        self.legalName = legalName
        self.kind = kind
    }
}

/// A type of tax account: an open set of camelCase names (RULES T2).
public struct AccountType: RawRepresentable, Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue }

    public static let personalIncome: AccountType = "personalIncome"
    public static let salesAndUse: AccountType = "salesAndUse"
    public static let withholding: AccountType = "withholding"
    public static let corporateExcise: AccountType = "corporateExcise"
    public static let meals: AccountType = "meals"
    public static let roomOccupancy: AccountType = "roomOccupancy"

    /// Whether the name is a non-empty camelCase word: a lower-case ASCII letter, then ASCII letters and digits.
    public var isWellFormed: Bool {
        guard let first = rawValue.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return rawValue.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
        }
    }
}

/// Whether an account is open (RULES L4: a closed account gives no access to anyone).
public enum AccountStatus: String, Sendable, Hashable, Codable {
    case active, closed
}

/// A tax account. It belongs to exactly one taxpayer for ever (RULES T2).
public struct TaxAccount: Hashable, Sendable, Codable {
    public var id: AccountID
    public var taxpayer: TaxpayerID
    public var type: AccountType
    public var status: AccountStatus

    public init(id: AccountID, taxpayer: TaxpayerID, type: AccountType, status: AccountStatus = .active) {
        self.id = id
        self.taxpayer = taxpayer
        self.type = type
        self.status = status
    }
}
