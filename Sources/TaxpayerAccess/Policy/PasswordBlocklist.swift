import Foundation

/// Common passwords refused under the NIST preset (RULES R6), compared lower-cased.
///
/// ``common`` is the list shipped with the library as a resource (`common-passwords.txt`, one per line).
public struct PasswordBlocklist: Hashable, Sendable {
    /// A name for the list, used in equality together with its size.
    public let name: String
    private let words: Set<String>

    /// A list of your own.
    public init(name: String, words: some Sequence<String>) {
        self.name = name
        self.words = Set(words.map { $0.lowercased() })
    }

    /// Whether a password is on the list (case-insensitively).
    public func contains(_ password: String) -> Bool { words.contains(password.lowercased()) }

    /// How many passwords the list holds.
    public var count: Int { words.count }

    /// The shipped list of common passwords.
    public static let common: PasswordBlocklist = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return PasswordBlocklist(name: "common", words: []) }
        return PasswordBlocklist(
            name: "common",
            words: text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty })
    }()

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.name == rhs.name && lhs.words.count == rhs.words.count }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(words.count)
    }
}
