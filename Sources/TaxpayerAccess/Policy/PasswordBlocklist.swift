// Foundation (not FoundationEssentials) for `Bundle.module`, which loads the shipped list.
import Foundation

/// Common passwords refused under the NIST preset (RULES R6), compared lower-cased.
///
/// ``common`` is the list shipped with the library as a resource (`common-passwords.txt`, one password per line,
/// lower-cased, most common first): the 30,000 passwords of zxcvbn's frequency list, drawn from the xato corpus
/// (see `Documentation/Decisions/0002-blocklist-source.md`).
///
/// ```swift
/// var policy = Policy.nist80063b
/// policy.blocklist = PasswordBlocklist(name: "agency", words: PasswordBlocklist.common.words.union(["dorstate2024"]))
/// ```
public struct PasswordBlocklist: Hashable, Sendable {
    /// A name for the list.
    public let name: String
    /// The passwords, lower-cased.
    public let words: Set<String>

    /// A list of your own; each word is lower-cased.
    public init(name: String, words: some Sequence<String>) {
        self.name = name
        self.words = Set(words.map { $0.lowercased() })
    }

    /// Whether a password is on the list (case-insensitively).
    public func contains(_ password: String) -> Bool { words.contains(password.lowercased()) }

    /// How many passwords the list holds.
    public var count: Int { words.count }

    /// The shipped list of common passwords, loaded from the module's resources on first use.
    ///
    /// A missing or unreadable resource is a packaging fault: rather than silently accept every password, this
    /// stops the process with a message, as `Bundle.module` itself does when the resource bundle is missing.
    public static let common: PasswordBlocklist = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("TaxpayerAccess: the resource common-passwords.txt is missing from the bundle") }
        return PasswordBlocklist(name: "common", words: parse(text))
    }()

    /// The non-empty lines of a list, trimmed of surrounding white space.
    static func parse(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    /// Two lists are equal when they have the same name and the same words.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name && lhs.words == rhs.words }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(words.count)
    }
}
