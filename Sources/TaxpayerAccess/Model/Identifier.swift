/// A typed identifier: a string tagged with what it identifies, so a ``LogonID`` can never be passed where a
/// ``TaxpayerID`` is meant (the idea of pointfreeco/swift-tagged, in a few lines).
///
/// ```swift
/// let logon: LogonID = "L1"
/// let taxpayer = TaxpayerID("T9")
/// ```
public struct Identifier<Tag>: Hashable, Comparable, Sendable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    /// The identifier's text.
    public let rawValue: String

    /// Wraps a string as an identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Wraps a string literal as an identifier.
    public init(stringLiteral value: String) { self.rawValue = value }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Identifiers order by the bytes of their text, as the snapshot format sorts them.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    public var description: String { rawValue }
}

/// Tags of the typed identifiers.
public enum IdentifierTag {
    public enum Taxpayer {}
    public enum Account {}
    public enum Logon {}
    public enum SecurityGroup {}
    public enum AccessRequest {}
    public enum Registration {}
    public enum Session {}
    public enum TrustedDevice {}
    public enum Message {}
    public enum Mail {}
    public enum Text {}
    public enum Token {}
}

/// Identifies a taxpayer (RULES T1).
public typealias TaxpayerID = Identifier<IdentifierTag.Taxpayer>
/// Identifies a tax account (RULES T2).
public typealias AccountID = Identifier<IdentifierTag.Account>
/// Identifies a logon.
public typealias LogonID = Identifier<IdentifierTag.Logon>
/// Identifies a security group (RULES S3).
public typealias SecurityGroupID = Identifier<IdentifierTag.SecurityGroup>
/// Identifies a third-party access request (RULES X2).
public typealias AccessRequestID = Identifier<IdentifierTag.AccessRequest>
/// Identifies a logon application (RULES R10).
public typealias RegistrationID = Identifier<IdentifierTag.Registration>
/// Identifies a session record (never the session token itself).
public typealias SessionID = Identifier<IdentifierTag.Session>
/// Identifies a trusted-device record (never the device token itself).
public typealias TrustedDeviceID = Identifier<IdentifierTag.TrustedDevice>
/// Identifies an e-message in a logon's inbox.
public typealias MessageID = Identifier<IdentifierTag.Message>
/// Identifies an outbox mail.
public typealias MailID = Identifier<IdentifierTag.Mail>
/// Identifies an outbox text message.
public typealias TextID = Identifier<IdentifierTag.Text>
/// Identifies a single-use link record (activation, password reset, secondary completion).
public typealias LinkTokenID = Identifier<IdentifierTag.Token>
