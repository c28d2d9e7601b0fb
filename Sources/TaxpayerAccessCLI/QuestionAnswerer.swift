import Foundation
import TaxpayerAccess

/// Answers one line of the `check` protocol (Documentation/SnapshotFormat.md) as one compact JSON line.
struct QuestionAnswerer {
    let resolver: AccessResolver
    private let decoder = JSONDecoder()
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    init(resolver: AccessResolver) {
        self.resolver = resolver
    }

    /// The answer line for a question line; `nil` for a blank line, which is not a question. A malformed line gets
    /// an error answer naming `number` (the line's place in the input, from 1), the JSON path of the field at fault
    /// and what is wrong there: `{"error":"line 3: $.action: unknown action \"fly\" (…)"}`.
    func answer(_ line: String, number: Int = 1) -> String? {
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        do {
            let data = Data(line.utf8)
            // The same strict pass as the snapshot reader: grammar, and no key given twice in one object.
            try StrictJSON.check(data, singleLine: true)
            let question = try decoder.decode(Question.self, from: data)
            return try encode(respond(to: question))
        } catch let error as SnapshotError {
            return errorLine("line \(number): \(error)")
        } catch {
            return errorLine("line \(number): $: not a question")
        }
    }

    private func errorLine(_ message: String) -> String {
        (try? encode(ErrorAnswer(error: message))) ?? #"{"error":"malformed question"}"#
    }

    private func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private func respond(to question: Question) -> any Encodable {
        switch question {
        case .check(let logon, let account, let action):
            let level = resolver.level(logon: logon, account: account)
            return CheckAnswer(allowed: action.isAllowed(at: level), level: level.name)
        case .clients(let logon):
            return ClientsAnswer(clients: resolver.clients(of: logon).map(\.rawValue))
        case .whoHasAccess(let taxpayer):
            return LogonsAnswer(
                logons: resolver.whoHasAccess(taxpayer: taxpayer).map { entry in
                    LogonsAnswer.Entry(
                        logon: entry.logon.rawValue,
                        accounts: Dictionary(
                            uniqueKeysWithValues: entry.accounts.map { ($0.account.rawValue, $0.level.name) }))
                })
        }
    }
}

struct CheckAnswer: Encodable {
    let allowed: Bool
    let level: String
}

struct ClientsAnswer: Encodable {
    let clients: [String]
}

struct LogonsAnswer: Encodable {
    struct Entry: Encodable {
        let logon: String
        let accounts: [String: String]
    }
    let logons: [Entry]
}

struct ErrorAnswer: Encodable {
    let error: String
}

/// One question of the protocol, read strictly: one of three shapes of object, each value a string, each id
/// non-empty and free of control characters (as a snapshot's ids are); faults are ``SnapshotError``s with the JSON
/// path of the field.
enum Question: Decodable {
    case check(logon: LogonID, account: AccountID, action: AccountAction)
    case clients(of: LogonID)
    case whoHasAccess(TaxpayerID)

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container: KeyedDecodingContainer<Key>
        do {
            container = try decoder.container(keyedBy: Key.self)
        } catch {
            throw SnapshotError(path: "$", message: "a question is a JSON object")
        }
        let keys = Set(container.allKeys.map(\.stringValue))
        func text(_ key: String) throws -> String {
            guard let value = try? container.decode(String.self, forKey: Key(stringValue: key)) else {
                throw SnapshotError(path: "$.\(key)", message: "must be a string")
            }
            return value
        }
        func id(_ key: String) throws -> String {
            let value = try text(key)
            guard !value.isEmpty, !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw SnapshotError(path: "$.\(key)", message: "an id is not empty and holds no control characters")
            }
            return value
        }
        switch keys {
        case ["logon", "account", "action"]:
            let logon = try id("logon")
            let account = try id("account")
            let actionName = try text("action")
            guard let action = AccountAction(rawValue: actionName) else {
                let allowed = AccountAction.allCases.map(\.rawValue).joined(separator: ", ")
                throw SnapshotError(
                    path: "$.action", message: "unknown action \"\(actionName)\" (expected one of \(allowed))")
            }
            self = .check(logon: LogonID(logon), account: AccountID(account), action: action)
        case ["clientsOf"]:
            self = .clients(of: LogonID(try id("clientsOf")))
        case ["whoHasAccess"]:
            self = .whoHasAccess(TaxpayerID(try id("whoHasAccess")))
        default:
            throw SnapshotError(
                path: "$",
                message: "expected the keys {logon, account, action}, {clientsOf} or {whoHasAccess}, got "
                    + (keys.isEmpty ? "none" : keys.sorted().joined(separator: ", ")))
        }
    }
}
