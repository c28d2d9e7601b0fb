/// A refusal: the library declined to do what was asked. Its ``message`` is safe to show the person; it never
/// reveals what RULES R3, A1, V1 and X2 hide. Equality compares the code only.
///
/// ```swift
/// do { try await auth.login(username: u, password: p) }
/// catch let error as AccessError where error.code == .invalidCredentials { … }
/// ```
public struct AccessError: CategorizedError, Hashable, CustomStringConvertible {
    /// What kind of refusal. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate let name: String
        fileprivate init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Input broke a format or policy rule; ``AccessError/field`` names what.
        public static let invalidInput = Code("invalidInput")
        /// The identity proof failed; the same for every cause (RULES R3).
        public static let proofFailed = Code("proofFailed")
        /// Too many failed proofs for this ID (RULES R3).
        public static let tooManyAttempts = Code("tooManyAttempts")
        /// Username or password wrong, or unknown username (RULES A1).
        public static let invalidCredentials = Code("invalidCredentials")
        /// The logon is locked (RULES A2).
        public static let lockedOut = Code("lockedOut")
        /// The security code is wrong, expired, used up (RULES A4).
        public static let invalidCode = Code("invalidCode")
        /// Too many resends (RULES A4).
        public static let tooManyResends = Code("tooManyResends")
        /// The session is unknown, ended or timed out (RULES A7).
        public static let sessionExpired = Code("sessionExpired")
        /// The session must first finish two-step verification or its set-up (RULES R12, A3).
        public static let stepRequired = Code("stepRequired")
        /// The link is unknown, used or expired (RULES R12, V2).
        public static let invalidLink = Code("invalidLink")
        /// The username is taken or was used before (RULES R5).
        public static let usernameTaken = Code("usernameTaken")
        /// The email belongs to another live logon (RULES R4).
        public static let emailTaken = Code("emailTaken")
        /// The actor lacks the role this needs (authorization inside the library: Documentation/Architecture.md).
        public static let notAuthorized = Code("notAuthorized")
        /// The thing asked about does not exist for this actor.
        public static let notFound = Code("notFound")
        /// The request conflicts with the current state (e.g. the last active MA, a pending request already).
        public static let conflict = Code("conflict")
        /// The taxpayer could not be matched (RULES X2): the same for unknown ID and wrong name.
        public static let taxpayerNotMatched = Code("taxpayerNotMatched")
        /// The logon is not eligible (RULES X1).
        public static let notEligible = Code("notEligible")
        /// The password was used before (RULES V2).
        public static let passwordReused = Code("passwordReused")
        /// Terms of use not accepted (RULES R9).
        public static let termsNotAccepted = Code("termsNotAccepted")
        /// The portal is misconfigured (a sealing key of the wrong length, sealed data that cannot be opened): the
        /// operators' fault, never the user's.
        public static let misconfigured = Code("misconfigured")

        /// Every code, for a service that maps them (``category``).
        public static let all: [Code] = [
            .invalidInput, .proofFailed, .tooManyAttempts, .invalidCredentials, .lockedOut, .invalidCode,
            .tooManyResends, .sessionExpired, .stepRequired, .invalidLink, .usernameTaken, .emailTaken,
            .notAuthorized, .notFound, .conflict, .taxpayerNotMatched, .notEligible, .passwordReused,
            .termsNotAccepted, .misconfigured,
        ]

        /// What kind of failure the code is (Documentation/Errors.md).
        public var category: ErrorCategory {
            switch name {
            case "invalidInput", "passwordReused", "termsNotAccepted", "usernameTaken", "emailTaken":
                .invalidRequest
            case "conflict": .conflict
            case "misconfigured": .portalFault
            default: .denied
            }
        }
    }

    public let code: Code
    /// A message safe to show the person.
    public let message: String
    /// The input field at fault, for ``Code/invalidInput``.
    public let field: String?

    public init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// An ``Code/invalidInput`` refusal naming the field.
    public static func invalid(_ field: String, _ message: String) -> AccessError {
        AccessError(.invalidInput, message, field: field)
    }

    /// What kind of failure this is: ``Code/category``.
    public var category: ErrorCategory { code.category }

    /// The message, unless the failure is the portal's own (``ErrorCategory/portalFault``).
    public var safeMessage: String? { category == .portalFault ? nil : message }

    /// A ``Code/misconfigured`` failure: the portal's own fault, logged, never shown.
    static func misconfigured(_ message: String) -> AccessError { AccessError(.misconfigured, message) }

    public var description: String {
        field.map { "\(code) (\($0)): \(message)" } ?? "\(code): \(message)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
