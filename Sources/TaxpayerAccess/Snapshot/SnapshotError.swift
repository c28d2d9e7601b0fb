/// A snapshot document refused (SnapshotFormat.md): the JSON path of the fault and what is wrong there.
///
/// ```swift
/// do { _ = try AccessSnapshot.decode(from: data) }
/// catch let error as SnapshotError { print(error) }   // $.logons[1].secondary.parent: unknown logon "L9"
/// ```
public struct SnapshotError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the fault is, e.g. `$.logons[1].secondary.parent`; `$` for the document itself.
    public let path: String
    /// What is wrong there.
    public let message: String

    /// Makes an error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message` on one line: a control character the document put in a key or id (a line break, say) is
    /// written as an escape, `\u{A}`, so the error never spans lines or moves a terminal's cursor.
    public var description: String {
        let text = "\(path): \(message)"
        guard text.unicodeScalars.contains(where: \.isSnapshotControl) else { return text }
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.isSnapshotControl {
                escaped.append(contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
            } else {
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }
}

extension Unicode.Scalar {
    /// A control character (general category Cc), or a line or paragraph separator.
    fileprivate var isSnapshotControl: Bool {
        properties.generalCategory == .control || value == 0x2028 || value == 0x2029
    }
}

/// A coding key of any name, for objects whose keys are data (account maps) and for spotting unknown keys.
struct SnapshotKey: CodingKey, Hashable {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Helpers that turn coding paths into JSON paths and decode with snapshot errors.
enum SnapshotCoding {
    /// `$.logons[1].secondary.parent` for a coding path.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = "$"
        for key in codingPath {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += "." + key.stringValue
            }
        }
        return text
    }

    /// Refuses any key of `container` not in `allowed` (SnapshotFormat.md: unknown keys are an error).
    static func refuseUnknownKeys(_ decoder: any Decoder, allowed: Set<String>) throws {
        let container = try decoder.container(keyedBy: SnapshotKey.self)
        for key in container.allKeys where !allowed.contains(key.stringValue) {
            throw SnapshotError(path: path(decoder.codingPath + [key]), message: "unknown key \"\(key.stringValue)\"")
        }
    }

    /// Decodes a string-backed enum with an error naming the allowed values.
    static func decodeEnum<E: RawRepresentable & CaseIterable>(
        _ type: E.Type, from container: KeyedDecodingContainer<SnapshotKey>, _ key: String, name: String
    ) throws -> E where E.RawValue == String {
        let text = try container.decode(String.self, forKey: SnapshotKey(key))
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SnapshotError(
                path: path(container.codingPath + [SnapshotKey(key)]),
                message: "unknown \(name) \"\(text)\" (expected one of \(allowed))")
        }
        return value
    }

    /// Decodes an access level by its JSON name.
    static func decodeLevel(from container: KeyedDecodingContainer<SnapshotKey>, _ key: SnapshotKey) throws
        -> AccessLevel
    {
        let text = try container.decode(String.self, forKey: key)
        guard let level = AccessLevel(name: text) else {
            throw SnapshotError(
                path: path(container.codingPath + [key]),
                message: "unknown level \"\(text)\" (expected \"viewOnly\", \"fileAndPay\" or \"allAccess\")")
        }
        return level
    }

    /// Decodes an object mapping account ids to levels, e.g. `{"A90": "fileAndPay"}`.
    static func decodeLevels(from container: KeyedDecodingContainer<SnapshotKey>, _ key: String) throws
        -> [AccountID: AccessLevel]
    {
        let nested = try container.nestedContainer(keyedBy: SnapshotKey.self, forKey: SnapshotKey(key))
        var result: [AccountID: AccessLevel] = [:]
        for accountKey in nested.allKeys {
            result[AccountID(accountKey.stringValue)] = try decodeLevel(from: nested, accountKey)
        }
        return result
    }

    /// Encodes an account-to-level map as a JSON object.
    static func encodeLevels(
        _ levels: [AccountID: AccessLevel], into container: inout KeyedEncodingContainer<SnapshotKey>, _ key: String
    ) throws {
        var nested = container.nestedContainer(keyedBy: SnapshotKey.self, forKey: SnapshotKey(key))
        for (account, level) in levels.sorted(by: { $0.key < $1.key }) {
            try nested.encode(level.name, forKey: SnapshotKey(account.rawValue))
        }
    }
}
