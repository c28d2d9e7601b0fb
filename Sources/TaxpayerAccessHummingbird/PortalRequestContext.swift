#if HTTP
public import Hummingbird
public import TaxpayerAccess

/// How a request proved its session: a cookie a browser attaches on its own, or a bearer header a program sets.
public enum SessionSource: String, Sendable, Hashable {
    /// The HttpOnly session cookie (``PortalCookies/session(_:)``): CSRF defence applies (``CSRFMiddleware``).
    case cookie
    /// `Authorization: Bearer TOKEN`: never sent by a browser on its own, so no CSRF defence is needed.
    case bearer
}

/// The request context of the portal's routes: Hummingbird's core storage and the caller, once
/// ``SessionMiddleware`` has read the session (RULES A7: one authentication per request).
///
/// ```swift
/// router.get("/api/me") { _, context in
///     let caller = try context.requireSignedIn()
///     return try PortalJSON.response(try await portal.profile.whoAmI(caller).username)
/// }
/// ```
public struct PortalRequestContext: RequestContext {
    /// Hummingbird's storage: logger, parameters, allocator.
    public var coreContext: CoreRequestContextStorage
    /// The caller, when the request carried a live session (any stage: `SignedIn/stage` tells which).
    public var signedIn: SignedIn?
    /// Where the session came from, when one was presented (live or not).
    public var sessionSource: SessionSource?
    /// The agency operator of an `/api/agency` request, once ``OperatorMiddleware`` accepted its token.
    public var agencyOperator: String?

    /// A context for one request, before any middleware ran.
    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The caller, or a refusal when the request carried no live session.
    ///
    /// - Throws: `AccessError/Code/sessionExpired` (401).
    public func requireSignedIn() throws -> SignedIn {
        guard let signedIn else {
            throw AccessError(.sessionExpired, "Log in to continue: your session has ended or was never started.")
        }
        return signedIn
    }
}
#endif
