#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An amount of money in cents. Proof amounts compare exactly, in cents (RULES R2).
public struct Cents: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var value: Int64
    public init(_ value: Int64) { self.value = value }
    public init(integerLiteral value: Int64) { self.value = value }
    public init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Int64.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    /// Parses `1234.56`, `$1,234.56` or `1234`; `nil` for anything else (more than two decimals, letters, …).
    public init?(parsing text: String) {
        var t = Substring(text)
        while t.first == " " { t.removeFirst() }
        while t.last == " " { t.removeLast() }
        if t.hasPrefix("$") { t.removeFirst() }
        t = Substring(t.filter { $0 != "," })
        guard !t.isEmpty, !t.hasPrefix("-") else { return nil }
        let parts = t.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0].isEmpty ? "0" : String(parts[0])),
            parts[0].allSatisfy(\.isASCII)
        else { return nil }
        var cents: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard (1...2).contains(fraction.count), fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
                let f = Int64(fraction)
            else { return nil }
            cents = fraction.count == 1 ? f * 10 : f
        }
        let (product, overflow) = whole.multipliedReportingOverflow(by: 100)
        guard !overflow else { return nil }
        value = product + cents
    }

    public var description: String {
        let sign = value < 0 ? "-" : ""
        let v = value.magnitude
        let fraction = v % 100
        return "\(sign)$\(v / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

/// A filed return as the agency's system of record holds it: the facts an applicant may prove (RULES R2).
public struct FiledReturn: Hashable, Sendable, Codable {
    public var account: AccountID
    /// The tax period, e.g. `2025` or `2025-Q3`.
    public var period: String
    public var filedAt: Date
    public var amountDue: Cents
    public var refund: Cents
    /// Named line items, e.g. `"line 22: total tax"`.
    public var lineItems: [String: Cents]

    public init(
        account: AccountID, period: String, filedAt: Date, amountDue: Cents = 0, refund: Cents = 0,
        lineItems: [String: Cents] = [:]
    ) {
        self.account = account
        self.period = period
        self.filedAt = filedAt
        self.amountDue = amountDue
        self.refund = refund
        self.lineItems = lineItems
    }
}

/// A sign-up letter the agency sent, with its letter ID (RULES R2).
public struct SignUpLetter: Hashable, Sendable, Codable {
    public var letterID: String
    public var account: AccountID
    public var sentAt: Date
    public init(letterID: String, account: AccountID, sentAt: Date) {
        self.letterID = letterID
        self.account = account
        self.sentAt = sentAt
    }
}

/// A taxpayer with its accounts, as the agency's system of record holds them (RULES T3).
public struct DirectoryEntry: Hashable, Sendable, Codable {
    public var taxpayer: Taxpayer
    public var accounts: [TaxAccount]
    public init(taxpayer: Taxpayer, accounts: [TaxAccount]) {
        self.taxpayer = taxpayer
        self.accounts = accounts
    }
}

/// The agency's system of record, read-only: taxpayer master data and proofing facts (RULES T3).
public protocol TaxpayerDirectory: Sendable {
    /// The taxpayer with this ID and its accounts, or `nil`.
    func entry(for taxID: TaxIdentifier) async throws -> DirectoryEntry?
    /// The last three filed returns of an account type, newest first (RULES R2).
    func filedReturns(for taxID: TaxIdentifier, accountType: AccountType) async throws -> [FiledReturn]
    /// The sign-up letters sent to the taxpayer (RULES R2).
    func signUpLetters(for taxID: TaxIdentifier) async throws -> [SignUpLetter]
}
