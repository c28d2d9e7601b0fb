#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds an ``AccessSnapshot`` straight from JSON text that ``StrictJSON`` has passed, in one pass over its UTF-8
/// bytes: no tree, no `JSONDecoder`, a `String` only for the values the snapshot keeps.
///
/// It refuses what the `Codable` conformances refuse, with the same paths and messages (SnapshotFormat.md): an
/// unknown key, a key missing, a value of the wrong type (`expected a string`, `expected an object, found null`), an
/// unknown enum value or level. Within one object the fault reported is the one the entry's `init(from:)` meets
/// first (unknown keys, then its fields in the order it reads them), so every member is read and a fault in a nested
/// value is kept, not thrown, until the fields before it have been checked; in an array the first bad element wins.
/// Several unknown keys in one object, or several bad levels in one account map, are reported in document order.
struct SnapshotReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    /// Where the value being read sits, for the paths of errors (built only when one is thrown).
    private var components: [PathComponent] = []

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        components.reserveCapacity(8)
    }

    /// Reads a document `StrictJSON.check` accepted (grammar and keys are not checked again).
    static func read(_ data: Data) throws -> AccessSnapshot {
        try data.withUnsafeBytes { raw in
            var reader = SnapshotReader(bytes: raw.bindMemory(to: UInt8.self))
            return try reader.document()
        }
    }

    // MARK: Fields

    /// A member's value as read, judged only when the entry's fields are checked in order.
    private enum Field<Value> {
        case absent
        case null
        /// Present with a value of another JSON type.
        case mismatch
        case value(Value)
        /// Present, of the right type, but with a fault inside (kept until its turn).
        case failed(SnapshotError)

        /// Present and not `null` (`contains` and not `decodeNil`).
        var isGiven: Bool {
            switch self {
            case .absent, .null: false
            default: true
            }
        }
    }

    /// What a value should have been: the words of `SnapshotError(decoding:)`.
    private enum Expected: String {
        case string = "a string"
        case boolean = "a boolean"
        case array = "an array"
        case object = "an object"
    }

    /// The value of a required member (`decode(_:forKey:)`).
    private func required<T>(_ field: Field<T>, _ key: String, _ expected: Expected) throws -> T {
        switch field {
        case .value(let value): return value
        case .absent: throw SnapshotError(path: path(key), message: "missing")
        case .null: throw SnapshotError(path: path(key), message: "expected \(expected.rawValue), found null")
        case .mismatch: throw SnapshotError(path: path(key), message: "expected \(expected.rawValue)")
        case .failed(let error): throw error
        }
    }

    /// The value of an optional member (`decodeIfPresent(_:forKey:)`): `nil` when absent or `null`.
    private func optional<T>(_ field: Field<T>, _ key: String, _ expected: Expected) throws -> T? {
        switch field {
        case .absent, .null: return nil
        default: return try required(field, key, expected)
        }
    }

    /// A string-backed enum, refused with the allowed values as `SnapshotCoding.decodeEnum` refuses it.
    private func enumeration<E: RawRepresentable & CaseIterable>(
        _ type: E.Type, _ field: Field<String>, _ key: String, name: String
    ) throws -> E where E.RawValue == String {
        let text = try required(field, key, .string)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw SnapshotError(path: path(key), message: "unknown \(name) \"\(text)\" (expected one of \(allowed))")
        }
        return value
    }

    // MARK: Entries

    private static let documentKeys = KeyTable([
        "format", "groupAssignments", "logons", "refinements", "roles", "securityGroups", "taxpayers",
        "thirdPartyGrants",
    ])

    private mutating func document() throws -> AccessSnapshot {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhiteSpace()
        var format = Field<String>.absent
        var assignments = Field<[AccessSnapshot.AssignmentEntry]>.absent
        var logons = Field<[AccessSnapshot.LogonEntry]>.absent
        var refinements = Field<[AccessSnapshot.RefinementEntry]>.absent
        var roles = Field<[AccessSnapshot.RoleEntry]>.absent
        var groups = Field<[AccessSnapshot.GroupEntry]>.absent
        var taxpayers = Field<[AccessSnapshot.TaxpayerEntry]>.absent
        var grants = Field<[AccessSnapshot.GrantEntry]>.absent
        let unknown = try object(Self.documentKeys) { reader, slot in
            switch slot {
            case 0: format = reader.string()
            case 1: assignments = reader.array { try $0.assignment() }
            case 2: logons = reader.array { try $0.logon() }
            case 3: refinements = reader.array { try $0.refinement() }
            case 4: roles = reader.array { try $0.role() }
            case 5: groups = reader.array { try $0.group() }
            case 6: taxpayers = reader.array { try $0.taxpayer() }
            default: grants = reader.array { try $0.grant() }
            }
        }
        if let unknown { throw unknownKey(unknown) }
        let name = try required(format, "format", .string)
        guard name == AccessSnapshot.formatName else {
            throw SnapshotError(
                path: "$.format",
                message: "unsupported format \"\(name)\" (expected \"\(AccessSnapshot.formatName)\")")
        }
        return AccessSnapshot(
            taxpayers: try optional(taxpayers, "taxpayers", .array) ?? [],
            logons: try optional(logons, "logons", .array) ?? [],
            roles: try optional(roles, "roles", .array) ?? [],
            thirdPartyGrants: try optional(grants, "thirdPartyGrants", .array) ?? [],
            securityGroups: try optional(groups, "securityGroups", .array) ?? [],
            groupAssignments: try optional(assignments, "groupAssignments", .array) ?? [],
            refinements: try optional(refinements, "refinements", .array) ?? [])
    }

    private static let taxpayerKeys = KeyTable(["accounts", "id", "idNumber", "idType", "kind", "legalName"])

    private mutating func taxpayer() throws -> AccessSnapshot.TaxpayerEntry {
        var accounts = Field<[AccessSnapshot.AccountEntry]>.absent
        var id = Field<String>.absent
        var idNumber = Field<String>.absent
        var idType = Field<String>.absent
        var kind = Field<String>.absent
        var legalName = Field<String>.absent
        let unknown = try object(Self.taxpayerKeys) { reader, slot in
            switch slot {
            case 0: accounts = reader.array { try $0.account() }
            case 1: id = reader.string()
            case 2: idNumber = reader.string()
            case 3: idType = reader.string()
            case 4: kind = reader.string()
            default: legalName = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.TaxpayerEntry(
            id: TaxpayerID(try required(id, "id", .string)),
            idType: try enumeration(IDType.self, idType, "idType", name: "idType"),
            idNumber: try required(idNumber, "idNumber", .string),
            legalName: try required(legalName, "legalName", .string),
            kind: try enumeration(TaxpayerKind.self, kind, "kind", name: "kind"),
            accounts: try optional(accounts, "accounts", .array) ?? [])
    }

    private static let accountKeys = KeyTable(["id", "status", "type"])

    private mutating func account() throws -> AccessSnapshot.AccountEntry {
        var id = Field<String>.absent
        var status = Field<String>.absent
        var type = Field<String>.absent
        let unknown = try object(Self.accountKeys) { reader, slot in
            switch slot {
            case 0: id = reader.string()
            case 1: status = reader.string()
            default: type = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.AccountEntry(
            id: AccountID(try required(id, "id", .string)),
            type: AccountType(try required(type, "type", .string)),
            status: AccountStatus(
                rawValue: try enumeration(SnapshotAccountStatus.self, status, "status", name: "account status")
                    .rawValue) ?? .closed)
    }

    private static let logonKeys = KeyTable(["clientManagement", "email", "id", "secondary", "status", "username"])

    private mutating func logon() throws -> AccessSnapshot.LogonEntry {
        var clientManagement = Field<Bool>.absent
        var email = Field<String>.absent
        var id = Field<String>.absent
        var secondary = Field<AccessSnapshot.SecondaryEntry>.absent
        var status = Field<String>.absent
        var username = Field<String>.absent
        let unknown = try object(Self.logonKeys) { reader, slot in
            switch slot {
            case 0: clientManagement = reader.bool()
            case 1: email = reader.string()
            case 2: id = reader.string()
            case 3: secondary = reader.nested { try $0.secondary() }
            case 4: status = reader.string()
            default: username = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        let logonStatus = try enumeration(SnapshotLogonStatus.self, status, "status", name: "logon status")
        return AccessSnapshot.LogonEntry(
            id: LogonID(try required(id, "id", .string)),
            username: try required(username, "username", .string),
            email: try required(email, "email", .string),
            status: LogonStatus(rawValue: logonStatus.rawValue) ?? .deleted,
            clientManagement: try optional(clientManagement, "clientManagement", .boolean) ?? false,
            secondary: try optional(secondary, "secondary", .object))
    }

    private static let secondaryKeys = KeyTable(["accountTypes", "groups", "level", "parent", "role"])

    private mutating func secondary() throws -> AccessSnapshot.SecondaryEntry {
        var accountTypes = Field<[String]>.absent
        var groups = Field<[String]>.absent
        var level = Field<String>.absent
        var parent = Field<String>.absent
        var role = Field<String>.absent
        let unknown = try object(Self.secondaryKeys) { reader, slot in
            switch slot {
            case 0: accountTypes = reader.array { try $0.element() }
            case 1: groups = reader.array { try $0.element() }
            case 2: level = reader.string()
            case 3: parent = reader.string()
            default: role = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        let theRole = try enumeration(Role.self, role, "role", name: "role")
        var cap: AccessLevel?
        if level.isGiven { cap = try accessLevel(try required(level, "level", .string), at: "level") }
        switch (theRole, cap) {
        case (.taxAdministrator, nil):
            throw SnapshotError(path: path("level"), message: "required for taxAdministrator")
        case (.masterAdministrator, .some):
            throw SnapshotError(
                path: path("level"), message: "not allowed for masterAdministrator (its cap is All Access)")
        case (.taxAdministrator, .some(.none)):
            throw SnapshotError(path: path("level"), message: "level \"none\" is allowed only in refinements")
        default:
            break
        }
        return AccessSnapshot.SecondaryEntry(
            parent: LogonID(try required(parent, "parent", .string)), role: theRole, level: cap,
            groups: (try optional(groups, "groups", .array) ?? []).map { SecurityGroupID($0) },
            accountTypes: try optional(accountTypes, "accountTypes", .array)?.map { AccountType($0) })
    }

    private static let roleKeys = KeyTable(["accounts", "logon", "role", "taxpayer"])

    private mutating func role() throws -> AccessSnapshot.RoleEntry {
        var accounts = Field<[AccountID: AccessLevel]>.absent
        var logon = Field<String>.absent
        var role = Field<String>.absent
        var taxpayer = Field<String>.absent
        let unknown = try object(Self.roleKeys) { reader, slot in
            switch slot {
            case 0: accounts = reader.nested { try $0.levels() }
            case 1: logon = reader.string()
            case 2: role = reader.string()
            default: taxpayer = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        let theRole = try enumeration(Role.self, role, "role", name: "role")
        var levels: [AccountID: AccessLevel]?
        switch (theRole, accounts.isGiven) {
        case (.taxAdministrator, false):
            throw SnapshotError(
                path: path("accounts"), message: "required for taxAdministrator (its level per account)")
        case (.masterAdministrator, true):
            throw SnapshotError(
                path: path("accounts"), message: "not allowed for masterAdministrator (All Access on every account)")
        case (.taxAdministrator, true):
            levels = try required(accounts, "accounts", .object)
        case (.masterAdministrator, false):
            levels = nil
        }
        return AccessSnapshot.RoleEntry(
            logon: LogonID(try required(logon, "logon", .string)),
            taxpayer: TaxpayerID(try required(taxpayer, "taxpayer", .string)), role: theRole, accounts: levels)
    }

    private static let grantKeys = KeyTable(["accounts", "taxpayer", "thirdParty"])

    private mutating func grant() throws -> AccessSnapshot.GrantEntry {
        var accounts = Field<[AccountID: AccessLevel]>.absent
        var taxpayer = Field<String>.absent
        var thirdParty = Field<String>.absent
        let unknown = try object(Self.grantKeys) { reader, slot in
            switch slot {
            case 0: accounts = reader.nested { try $0.levels() }
            case 1: taxpayer = reader.string()
            default: thirdParty = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.GrantEntry(
            taxpayer: TaxpayerID(try required(taxpayer, "taxpayer", .string)),
            thirdParty: LogonID(try required(thirdParty, "thirdParty", .string)),
            accounts: try required(accounts, "accounts", .object))
    }

    private static let groupKeys = KeyTable(["id", "isDefault", "name", "parent"])

    private mutating func group() throws -> AccessSnapshot.GroupEntry {
        var id = Field<String>.absent
        var isDefault = Field<Bool>.absent
        var name = Field<String>.absent
        var parent = Field<String>.absent
        let unknown = try object(Self.groupKeys) { reader, slot in
            switch slot {
            case 0: id = reader.string()
            case 1: isDefault = reader.bool()
            case 2: name = reader.string()
            default: parent = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.GroupEntry(
            id: SecurityGroupID(try required(id, "id", .string)),
            parent: LogonID(try required(parent, "parent", .string)),
            name: try required(name, "name", .string),
            isDefault: try optional(isDefault, "isDefault", .boolean) ?? false)
    }

    private static let assignmentKeys = KeyTable(["group", "parent", "taxpayer"])

    private mutating func assignment() throws -> AccessSnapshot.AssignmentEntry {
        var group = Field<String>.absent
        var parent = Field<String>.absent
        var taxpayer = Field<String>.absent
        let unknown = try object(Self.assignmentKeys) { reader, slot in
            switch slot {
            case 0: group = reader.string()
            case 1: parent = reader.string()
            default: taxpayer = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.AssignmentEntry(
            parent: LogonID(try required(parent, "parent", .string)),
            taxpayer: TaxpayerID(try required(taxpayer, "taxpayer", .string)),
            group: SecurityGroupID(try required(group, "group", .string)))
    }

    private static let refinementKeys = KeyTable(["accounts", "secondary", "taxpayer"])

    private mutating func refinement() throws -> AccessSnapshot.RefinementEntry {
        var accounts = Field<[AccountID: AccessLevel]>.absent
        var secondary = Field<String>.absent
        var taxpayer = Field<String>.absent
        let unknown = try object(Self.refinementKeys) { reader, slot in
            switch slot {
            case 0: accounts = reader.nested { try $0.levels() }
            case 1: secondary = reader.string()
            default: taxpayer = reader.string()
            }
        }
        if let unknown { throw unknownKey(unknown) }
        return AccessSnapshot.RefinementEntry(
            secondary: LogonID(try required(secondary, "secondary", .string)),
            taxpayer: TaxpayerID(try required(taxpayer, "taxpayer", .string)),
            accounts: try required(accounts, "accounts", .object))
    }

    /// An object of account ids to levels, `{"A90": "fileAndPay"}` (the reader is at its `{`).
    private mutating func levels() throws -> [AccountID: AccessLevel] {
        var result: [AccountID: AccessLevel] = [:]
        index += 1
        skipWhiteSpace()
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return result
        }
        while true {
            let key = keyText()
            components.append(.key(key))
            result[AccountID(key)] = try level()
            components.removeLast()
            if !nextMember() { return result }
        }
    }

    /// A level's name at `index`, the value of the member whose key is the last path component.
    private mutating func level() throws -> AccessLevel {
        let field = string()
        switch field {
        case .value(let text): return try accessLevel(text, at: nil)
        case .null: throw SnapshotError(path: path(), message: "expected a string, found null")
        default: throw SnapshotError(path: path(), message: "expected a string")
        }
    }

    /// A level by its JSON name, refused as `SnapshotCoding.decodeLevel` refuses it; `key` adds to the path.
    private func accessLevel(_ text: String, at key: String?) throws -> AccessLevel {
        let level: AccessLevel? =
            switch text {
            case "none": AccessLevel.none
            case "viewOnly": .viewOnly
            case "fileAndPay": .fileAndPay
            case "allAccess": .allAccess
            default: nil
            }
        guard let level else {
            throw SnapshotError(
                path: key.map { path($0) } ?? path(),
                message: "unknown level \"\(text)\" (expected \"viewOnly\", \"fileAndPay\" or \"allAccess\")")
        }
        return level
    }

    // MARK: Values

    /// A string value at `index`, or what stands there instead (skipped).
    private mutating func string() -> Field<String> {
        switch bytes[index] {
        case UInt8(ascii: "\""): return .value(stringText())
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            skipValue()
            return .mismatch
        }
    }

    /// A boolean value at `index`, or what stands there instead (skipped).
    private mutating func bool() -> Field<Bool> {
        switch bytes[index] {
        case UInt8(ascii: "t"):
            index += 4
            return .value(true)
        case UInt8(ascii: "f"):
            index += 5
            return .value(false)
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            skipValue()
            return .mismatch
        }
    }

    /// An array at `index` read element by element; the first element refused makes the field fail (the rest of
    /// the array is skipped).
    private mutating func array<T>(_ element: (inout SnapshotReader) throws -> T) -> Field<[T]> {
        switch bytes[index] {
        case UInt8(ascii: "["): break
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            skipValue()
            return .mismatch
        }
        let start = index
        var result: [T] = []
        index += 1
        skipWhiteSpace()
        if bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .value(result)
        }
        var count = 0
        let depth = components.count
        while true {
            components.append(.index(count))
            do {
                result.append(try element(&self))
            } catch {
                components.removeSubrange(depth...)
                index = start
                skipValue()
                return .failed(error as? SnapshotError ?? SnapshotError(path: "$", message: "not a readable document"))
            }
            components.removeLast()
            count += 1
            skipWhiteSpace()
            if bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .value(result)
            }
            index += 1  // ","
            skipWhiteSpace()
        }
    }

    /// An object at `index` read by `body`, whose refusal makes the field fail (the object is skipped).
    private mutating func nested<T>(_ body: (inout SnapshotReader) throws -> T) -> Field<T> {
        switch bytes[index] {
        case UInt8(ascii: "{"): break
        case UInt8(ascii: "n"):
            index += 4
            return .null
        default:
            skipValue()
            return .mismatch
        }
        let start = index
        let depth = components.count
        do {
            return .value(try body(&self))
        } catch {
            components.removeSubrange(depth...)
            index = start
            skipValue()
            return .failed(error as? SnapshotError ?? SnapshotError(path: "$", message: "not a readable document"))
        }
    }

    /// A string array's element (an id or account type), refused as `decode(String.self)` refuses it there.
    private mutating func element() throws -> String {
        switch string() {
        case .value(let text): return text
        case .null: throw SnapshotError(path: path(), message: "expected a string, found null")
        default: throw SnapshotError(path: path(), message: "expected a string")
        }
    }

    /// An entry's object at `index` (or the fault of finding something else there, as `container(keyedBy:)` has
    /// it): each member's value is read by `member` with the slot of its key in `keys`; returns the first unknown
    /// key (whose value is skipped), if any.
    private mutating func object(
        _ keys: KeyTable, _ member: (inout SnapshotReader, Int) -> Void
    ) throws -> String? {
        switch bytes[index] {
        case UInt8(ascii: "{"): break
        case UInt8(ascii: "n"): throw SnapshotError(path: path(), message: "expected an object, found null")
        default: throw SnapshotError(path: path(), message: "expected an object")
        }
        index += 1
        skipWhiteSpace()
        if bytes[index] == UInt8(ascii: "}") {
            index += 1
            return nil
        }
        var unknown: String?
        var guess = 0
        while true {
            let slot = keySlot(keys, guess: guess)
            if slot >= 0 {
                // Only an array or object can hold a fault whose path goes through this key.
                let container = bytes[index] == UInt8(ascii: "[") || bytes[index] == UInt8(ascii: "{")
                if container { components.append(.key(keys.names[slot])) }
                member(&self, slot)
                if container { components.removeLast() }
                guess = slot + 1
            } else {
                if unknown == nil { unknown = lastKey }
                skipValue()
            }
            if !nextMember() { return unknown }
        }
    }

    /// After a member's value: `true` at `,` (the reader then at the next key), `false` at `}` (consumed).
    private mutating func nextMember() -> Bool {
        skipWhiteSpace()
        let byte = bytes[index]
        index += 1
        guard byte == UInt8(ascii: ",") else { return false }
        skipWhiteSpace()
        return true
    }

    /// The text of the last key read by ``keySlot(_:guess:)`` that matched no slot.
    private var lastKey = ""

    /// Reads `"key":` at `index` and the white space after it; the key's slot in `keys`, or -1 (its text then in
    /// ``lastKey``). Plain ASCII keys compare by their bytes, trying `guess` first (keys come sorted from
    /// ``AccessSnapshot/encoded()``); any other compares as a Swift string.
    private mutating func keySlot(_ keys: KeyTable, guess: Int) -> Int {
        let (start, end, plain) = stringRange()
        var slot = -1
        if plain {
            let count = end - start
            if guess < keys.names.count, keys.matches(guess, bytes, start, count) {
                slot = guess
            } else {
                for candidate in keys.names.indices where keys.matches(candidate, bytes, start, count) {
                    slot = candidate
                    break
                }
            }
            if slot < 0 { lastKey = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
        } else {
            let text = StrictJSON.text(UnsafeBufferPointer(rebasing: bytes[start..<end]))
            slot = keys.names.firstIndex(of: text) ?? -1
            if slot < 0 { lastKey = text }
        }
        skipWhiteSpace()
        index += 1  // ":"
        skipWhiteSpace()
        return slot
    }

    /// A key's text (an account id).
    private mutating func keyText() -> String {
        let text = stringText()
        skipWhiteSpace()
        index += 1  // ":"
        skipWhiteSpace()
        return text
    }

    /// The text of the string at `index` (its opening quote), escapes read.
    private mutating func stringText() -> String {
        let (start, end, plain) = stringRange()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        return plain ? String(decoding: raw, as: UTF8.self) : StrictJSON.text(raw)
    }

    /// The bytes between the quotes of the string at `index`, now past it, and whether they are plain ASCII without
    /// an escape.
    private mutating func stringRange() -> (start: Int, end: Int, plain: Bool) {
        index += 1
        let start = index
        var plain = true
        while true {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                plain = false
                index += 2
                continue
            }
            if byte >= 0x80 { plain = false }
            index += 1
        }
        let end = index
        index += 1
        return (start, end, plain)
    }

    /// Moves past the value at `index` (grammar already checked).
    private mutating func skipValue() {
        var depth = 0
        repeat {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                _ = stringRange()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                index += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                index += 1
            default:
                if depth == 0 {
                    // A number or literal: up to the byte that ends it.
                    while index < bytes.count {
                        switch bytes[index] {
                        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: return
                        default: index += 1
                        }
                    }
                    return
                }
                index += 1
            }
        } while depth > 0
    }

    private mutating func skipWhiteSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    // MARK: Errors

    /// `$.logons[3]` for the value being read, with `key` appended when given.
    private func path(_ key: String? = nil) -> String {
        var text = "$"
        for component in components {
            switch component {
            case .key(let name): text += "." + name
            case .index(let i): text += "[\(i)]"
            }
        }
        if let key { text += "." + key }
        return text
    }

    private func unknownKey(_ key: String) -> SnapshotError {
        SnapshotError(path: path(key), message: "unknown key \"\(key)\"")
    }
}

/// The keys of one kind of entry, sorted as `JSONEncoder` writes them, with their UTF-8 bytes for comparison.
private final class KeyTable: Sendable {
    let names: [String]
    let utf8: [[UInt8]]

    init(_ names: [String]) {
        self.names = names
        self.utf8 = names.map { Array($0.utf8) }
    }

    /// Whether key `slot` is the `count` bytes at `start`.
    func matches(_ slot: Int, _ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
        utf8[slot].withUnsafeBufferPointer { name in
            guard name.count == count else { return false }
            for offset in 0..<count where name[offset] != bytes[start + offset] { return false }
            return true
        }
    }
}
