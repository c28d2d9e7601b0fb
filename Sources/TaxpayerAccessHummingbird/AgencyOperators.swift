#if HTTP
public import Hummingbird
public import TaxpayerAccess
public import Foundation
import HTTPTypes

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

    /// Adds `newcomer`.
    ///
    /// - Throws: ``AgencyOperatorsError`` for an empty name, a name already present (names compare ignoring case:
    ///   the audit log must tell operators apart) or a token hash already present.
    public mutating func add(_ newcomer: AgencyOperator) throws {
        let name = newcomer.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw AgencyOperatorsError("an operator needs a name") }
        guard !operators.contains(where: { $0.name.lowercased() == name.lowercased() }) else {
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
        guard let index = operators.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
            return false
        }
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
    /// - Throws: ``AgencyOperatorsError`` naming the file for one that cannot be read, is not the operators JSON,
    ///   or gives a name or token twice.
    public static func read(from url: URL) throws -> AgencyOperators {
        guard FileManager.default.fileExists(atPath: url.path) else { return AgencyOperators() }
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

    /// Writes the operators to `url`, readable by its owner only, replacing the file in one step.
    ///
    /// - Throws: the file system's error.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(File(operators: operators))
        try data.write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    public static func == (lhs: AgencyOperators, rhs: AgencyOperators) -> Bool { lhs.operators == rhs.operators }
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
            throw HTTPProblem(
                status: .unauthorized, code: "operatorUnauthorized",
                detail: "This is for agency operators: send an operator's token in \(AgencyOperators.headerName).")
        }
        var context = context
        context.agencyOperator = name
        return try await next(request, context)
    }
}
#endif
