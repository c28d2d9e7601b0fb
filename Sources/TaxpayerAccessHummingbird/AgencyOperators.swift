#if HTTP
public import Hummingbird
public import TaxpayerAccess
public import Foundation
import HTTPTypes
import Logging

/// One agency operator who may call the `/api/agency` routes (registration review, printed-form decisions,
/// correspondence): the name the audit log records as the actor (RULES U1) and the hash of its token.
///
/// The token itself is shown once, when it is issued (``AgencyOperators/issue(name:)``), and kept nowhere: the
/// operators file holds only its BLAKE2b-256 hash, as the store keeps session and link tokens.
public struct AgencyOperator: Sendable, Hashable, Codable {
    /// Who at the agency: recorded as the actor of every change made with the token.
    public var name: String
    /// The hash of the operator's token (``AgencyOperators/hash(_:)``).
    public var tokenHash: TokenHash

    /// An operator `name` whose token hashes to `tokenHash`.
    public init(name: String, tokenHash: TokenHash) {
        self.name = name
        self.tokenHash = tokenHash
    }
}

/// The agency operators the server knows, and the file that keeps them (`{"operators": [{"name", "tokenHash"}]}`,
/// owner-only).
///
/// An operator request sends its token in the header ``headerName`` (`X-Operator-Token`); ``OperatorMiddleware``
/// finds the operator by the token's hash — one dictionary lookup of a 256-bit random value's hash, so the time it
/// takes tells nothing about any stored token.
///
/// ```swift
/// var operators = AgencyOperators()
/// let (token, clerk) = AgencyOperators.issue(name: "clerk 12")   // give `token` to the clerk, once
/// try operators.add(clerk)
/// try operators.write(to: URL(fileURLWithPath: "portal.db.operators.json"))
/// let router = PortalHTTP.router(
///     portal: portal, configuration: PortalHTTPConfiguration(policy: portal.policy, operators: operators))
/// ```
public struct AgencyOperators: Sendable, Equatable {
    /// The header an operator request carries its token in.
    public static let headerName = "X-Operator-Token"

    /// The operators, in the order they were added.
    public private(set) var operators: [AgencyOperator] = []
    private var names: [TokenHash: String] = [:]

    /// No operators: every `/api/agency` request is refused.
    public init() {}

    /// The operators `operators`.
    ///
    /// - Throws: ``AgencyOperatorsError`` for an empty name, or a name or token hash given twice.
    public init(_ operators: [AgencyOperator]) throws {
        for one in operators { try add(one) }
    }

    /// A new operator `name` with a fresh 256-bit token: the token (to hand to the operator, once) and the operator
    /// to keep.
    public static func issue(name: String) -> (token: String, operator: AgencyOperator) {
        let (token, hash) = SecretToken.generate(using: SecureRandom())
        return (token, AgencyOperator(name: name, tokenHash: hash))
    }

    /// The hash a token is kept and looked up by.
    public static func hash(_ token: String) -> TokenHash { SecretToken.hash(token) }

    /// A name as it is kept: trimmed, inner white space collapsed to one space; `nil` for an empty name or one
    /// holding a control character.
    static func normalized(_ name: String) -> String? {
        let words = name.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let kept = words.joined(separator: " ")
        guard !kept.isEmpty, !kept.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { return nil }
        return kept
    }

    /// Whether two kept names are the same operator's (case and width ignored: the audit log must tell operators
    /// apart).
    static func same(_ a: String, _ b: String) -> Bool {
        a.compare(b, options: [.caseInsensitive, .widthInsensitive, .diacriticInsensitive]) == .orderedSame
    }

    /// Adds `newcomer`.
    ///
    /// - Throws: ``AgencyOperatorsError`` for an empty name or one with a control character, a name already present
    ///   (ignoring case and repeated spaces) or a token hash already present.
    public mutating func add(_ newcomer: AgencyOperator) throws {
        guard let name = Self.normalized(newcomer.name) else {
            throw AgencyOperatorsError("an operator needs a name of printable characters")
        }
        guard !operators.contains(where: { Self.same($0.name, name) }) else {
            throw AgencyOperatorsError("there is already an operator named \"\(name)\"")
        }
        guard names[newcomer.tokenHash] == nil else {
            throw AgencyOperatorsError("operator \"\(name)\" has the token of another operator")
        }
        let kept = AgencyOperator(name: name, tokenHash: newcomer.tokenHash)
        operators.append(kept)
        names[kept.tokenHash] = name
    }

    /// Removes the operator named `name` (ignoring case); its token stops working at the server's next start.
    ///
    /// - Returns: whether there was one.
    @discardableResult
    public mutating func remove(named name: String) -> Bool {
        guard let name = Self.normalized(name), let index = operators.firstIndex(where: { Self.same($0.name, name) })
        else { return false }
        names[operators[index].tokenHash] = nil
        operators.remove(at: index)
        return true
    }

    /// The name of the operator whose token is `token`, if any.
    public func name(presenting token: String) -> String? {
        guard !token.isEmpty else { return nil }
        return names[Self.hash(token)]
    }

    private struct File: Codable {
        var operators: [AgencyOperator]
    }

    /// The operators kept in the file at `url`; none when there is no file.
    ///
    /// - Throws: ``AgencyOperatorsError`` naming the file for one that others than its owner may read or write (a
    ///   token hash written there by anyone else would make an operator), that another user owns, that cannot be
    ///   read, is not the operators JSON, or gives a name or token twice.
    public static func read(from url: URL) throws -> AgencyOperators {
        var status = stat()
        guard lstat(url.path, &status) == 0 else {
            if errno == ENOENT { return AgencyOperators() }
            throw AgencyOperatorsError("operators file \(url.path): cannot be read")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw AgencyOperatorsError("operators file \(url.path): not a regular file")
        }
        guard status.st_mode & 0o077 == 0, status.st_uid == geteuid() else {
            throw AgencyOperatorsError(
                "operators file \(url.path): must be owned by this user and readable by it alone (chmod 600)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw AgencyOperatorsError("operators file \(url.path): cannot be read")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw AgencyOperatorsError(
                "operators file \(url.path): expected {\"operators\": [{\"name\": …, \"tokenHash\": …}]}")
        }
        do {
            return try AgencyOperators(file.operators)
        } catch let error as AgencyOperatorsError {
            throw AgencyOperatorsError("operators file \(url.path): \(error.description)")
        }
    }

    /// Writes the operators to `url`, readable by its owner only from its first byte, replacing the file in one
    /// step: a new file beside it created with mode 0600 (never following a link), synced, renamed over it.
    ///
    /// - Throws: ``AgencyOperatorsError`` naming the file when it cannot be written.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = [UInt8](try encoder.encode(File(operators: operators)))
        let temporary = url.path + ".new"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw AgencyOperatorsError("operators file \(url.path): cannot be written") }
        let written = bytes.withUnsafeBytes { posixWrite(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes.count, synced, rename(temporary, url.path) == 0 else {
            unlink(temporary)
            throw AgencyOperatorsError("operators file \(url.path): cannot be written")
        }
    }

    public static func == (lhs: AgencyOperators, rhs: AgencyOperators) -> Bool { lhs.operators == rhs.operators }
}

extension HTTPProblem {
    /// The one answer of an agency route without a known operator's token (401), whatever else the request carries.
    static var operatorUnauthorized: HTTPProblem {
        HTTPProblem(
            status: .unauthorized, code: "operatorUnauthorized",
            detail: "This is for agency operators: send an operator's token in \(AgencyOperators.headerName).")
    }
}

/// `write(2)`, named apart from ``AgencyOperators/write(to:)``.
private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// A list of agency operators that cannot be used as it is: which part and why (never a token).
public struct AgencyOperatorsError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Guards the `/api/agency` routes: the request must carry a known operator's token in `X-Operator-Token`; the
/// operator's name goes onto ``PortalRequestContext/agencyOperator`` for the audit log. A missing or unknown token
/// is refused with 401 `operatorUnauthorized`, alike, before any route work.
///
/// ```swift
/// router.group("/api/agency").add(middleware: OperatorMiddleware(operators: operators))
/// ```
public struct OperatorMiddleware: RouterMiddleware {
    public typealias Context = PortalRequestContext
    let operators: AgencyOperators

    /// A middleware admitting `operators`.
    public init(operators: AgencyOperators) {
        self.operators = operators
    }

    /// Finds the operator of the request's token, or refuses the request.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let header = HTTPField.Name(AgencyOperators.headerName),
            let token = request.headers[header]?.trimmingCharacters(in: .whitespaces),
            let name = operators.name(presenting: token)
        else {
            // A refused attempt is seen by the operators (never the token): a guessing client shows in the log.
            context.logger.notice("agency route refused: no known operator token")
            throw HTTPProblem.operatorUnauthorized
        }
        var context = context
        context.agencyOperator = name
        return try await next(request, context)
    }
}
#endif
