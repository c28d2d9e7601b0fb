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

    /// The answer line for a question line; `nil` for a blank line, which is not a question.
    func answer(_ line: String) -> String? {
        guard line.contains(where: { !$0.isWhitespace }) else { return nil }
        do {
            let question = try decoder.decode(Question.self, from: Data(line.utf8))
            return try encode(respond(to: question))
        } catch let error as QuestionError {
            return (try? encode(ErrorAnswer(error: error.message))) ?? #"{"error":"malformed question"}"#
        } catch {
            return (try? encode(ErrorAnswer(error: "malformed question: not valid JSON")))
                ?? #"{"error":"malformed question"}"#
        }
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
                            uniqueKeysWithValues: entry.accounts.map { ($0.key.rawValue, $0.value.name) }))
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

struct QuestionError: Error {
    let message: String
}

/// One question of the protocol.
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
            throw QuestionError(message: "malformed question: not a JSON object")
        }
        let keys = Set(container.allKeys.map(\.stringValue))
        func text(_ key: String) throws -> String {
            guard let value = try? container.decode(String.self, forKey: Key(stringValue: key)) else {
                throw QuestionError(message: "malformed question: \"\(key)\" must be a string")
            }
            return value
        }
        switch keys {
        case ["logon", "account", "action"]:
            let actionName = try text("action")
            guard let action = AccountAction(rawValue: actionName) else {
                throw QuestionError(
                    message:
                        "malformed question: unknown action \"\(actionName)\" (expected view, file, pay, amend or manageAccount)"
                )
            }
            self = .check(logon: LogonID(try text("logon")), account: AccountID(try text("account")), action: action)
        case ["clientsOf"]:
            self = .clients(of: LogonID(try text("clientsOf")))
        case ["whoHasAccess"]:
            self = .whoHasAccess(TaxpayerID(try text("whoHasAccess")))
        default:
            throw QuestionError(
                message:
                    "malformed question: expected {logon, account, action}, {clientsOf} or {whoHasAccess}, got keys "
                    + (keys.isEmpty ? "none" : keys.sorted().joined(separator: ", ")))
        }
    }
}
