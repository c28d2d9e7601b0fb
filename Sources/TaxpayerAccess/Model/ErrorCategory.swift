/// What kind of failure an error is, so that a service can answer it safely without knowing every code
/// (Documentation/Errors.md maps each category to an HTTP status).
///
/// ```swift
/// catch let error as any CategorizedError {
///     switch error.category {
///     case .invalidRequest, .denied, .conflict: show(error.safeMessage ?? "")   // and the status of the table
///     case .portalFault: log(error); answer500()
///     }
/// }
/// ```
public enum ErrorCategory: String, Sendable, Hashable, CaseIterable, Codable {
    /// The caller's mistake: input that broke a format or policy rule. The message is safe to show, and
    /// ``AccessError/field`` names the input at fault.
    case invalidRequest
    /// A refusal: not signed in, not allowed, not found, locked, limited. The message is safe to show and says only
    /// what RULES allows (R3, A1, V1, X2, L4 hide the rest).
    case denied
    /// The request met a state that conflicts with it (a pending request already, the last Master Administrator,
    /// another writer first). The message is safe to show; trying again may succeed.
    case conflict
    /// The portal's own fault: misconfiguration (a sealing key missing or wrong), a store unavailable or corrupt.
    /// Never shown to a user: log it and answer with a generic failure.
    case portalFault
}

/// An error that knows its ``ErrorCategory``: ``AccessError``, ``StoreError``, ``SealingKeyError``.
public protocol CategorizedError: Error, Sendable {
    /// What kind of failure it is.
    var category: ErrorCategory { get }
    /// A message safe to show the person, or `nil` for a ``ErrorCategory/portalFault``, whose message is for the
    /// operators' log only.
    var safeMessage: String? { get }
}
