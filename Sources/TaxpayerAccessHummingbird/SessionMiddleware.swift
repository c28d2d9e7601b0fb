#if HTTP
public import Hummingbird
public import Logging
public import TaxpayerAccess
import Foundation
import HTTPTypes

/// Reads the caller of a request once (RULES A7): from `Authorization: Bearer TOKEN`, else from the session cookie,
/// through `Portal/authenticate(sessionToken:)`, onto ``PortalRequestContext/signedIn``.
///
/// An unknown, ended or timed-out session leaves the context signed out (routes that need a caller answer 401
/// through ``PortalRequestContext/requireSignedIn()``); a store failure is not hidden as a signed-out caller, it
/// propagates (503). The token itself is never logged and never kept on the context.
///
/// ```swift
/// router.add(middleware: SessionMiddleware(portal: portal, cookies: PortalCookies(policy: portal.policy)))
/// ```
public struct SessionMiddleware: RouterMiddleware {
    public typealias Context = PortalRequestContext
    let portal: Portal
    let cookies: PortalCookies

    /// A middleware authenticating through `portal`, reading the session cookie named in `cookies`.
    public init(portal: Portal, cookies: PortalCookies) {
        self.portal = portal
        self.cookies = cookies
    }

    /// Authenticates the request's session, if it carries one, and runs the rest of the chain.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let presented: (String, SessionSource)?
        if let token = Self.bearerToken(request) {
            presented = (token, .bearer)
        } else if let cookie = request.cookies[cookies.sessionName], !cookie.value.isEmpty {
            presented = (cookie.value, .cookie)
        } else {
            presented = nil
        }
        if let (token, source) = presented {
            context.sessionSource = source
            do {
                context.signedIn = try await portal.authenticate(sessionToken: token)
            } catch let error as AccessError where error.code == .sessionExpired {
                context.signedIn = nil
            }
        }
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer TOKEN` header, if any.
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : String(token)
    }
}

/// CSRF defence for cookie sessions: a state-changing request (any method but GET, HEAD and OPTIONS) that does not
/// authenticate with a bearer header (or an agency operator's token header) must carry the custom header `X-CSRF-Protection: 1`, and, when it names an
/// `Origin`, an origin the portal serves.
///
/// Why a custom header rather than a double-submit token: a browser sends a custom header across sites only after
/// a CORS preflight, which this server never approves (it answers no CORS), and an HTML form cannot set one — so
/// the header alone proves the request came from the portal's own pages, with no token to store, rotate or leak.
/// The Origin check adds a second, independent refusal where browsers send one. It also covers sign-in itself
/// (login CSRF). `SameSite=Strict` on the cookies is a third layer, not relied on alone (older browsers, sibling
/// subdomains).
///
/// ```swift
/// router.add(middleware: CSRFMiddleware(allowedOrigins: ["https://tax.example.gov"]))
/// ```
public struct CSRFMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The header a state-changing cookie request must carry.
    public static var headerName: String { "X-CSRF-Protection" }
    let allowedOrigins: Set<String>

    /// A middleware accepting an `Origin` header only from `allowedOrigins` (`scheme://host[:port]`); an empty set
    /// accepts any origin and relies on the custom header alone.
    public init(allowedOrigins: Set<String> = []) {
        self.allowedOrigins = allowedOrigins
    }

    /// Refuses a state-changing request without the custom header, or from a foreign origin, with 403.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let safe: Set<HTTPRequest.Method> = [.get, .head, .options]
        if !safe.contains(request.method), SessionMiddleware.bearerToken(request) == nil,
            !Self.carriesOperatorToken(request)
        {
            guard let name = HTTPField.Name(Self.headerName), request.headers[name] != nil else {
                throw HTTPProblem(
                    status: .forbidden, code: "csrfRejected",
                    detail: "A state-changing request without a bearer token must send the header "
                        + "\(Self.headerName): 1.")
            }
            if let origin = request.headers[.origin], !allowedOrigins.isEmpty, !allowedOrigins.contains(origin) {
                throw HTTPProblem(
                    status: .forbidden, code: "csrfRejected", detail: "This request came from another site.")
            }
        }
        return try await next(request, context)
    }

    /// Whether the request is an agency route's (`/api/agency/…`) sending an operator token
    /// (``AgencyOperators/headerName``): a custom header, which a browser sends across sites only after a preflight
    /// this server never approves — the same proof the CSRF header gives. A wrong token is refused by
    /// ``OperatorMiddleware``; on any other route the header exempts nothing (a cookie request still needs the CSRF
    /// header and an allowed origin).
    static func carriesOperatorToken(_ request: Request) -> Bool {
        guard request.uri.path.hasPrefix("/api/agency/"), let name = HTTPField.Name(AgencyOperators.headerName) else {
            return false
        }
        return request.headers[name] != nil
    }
}

/// Logs one line per request — method, path, status, duration in milliseconds — and nothing else: never the query
/// string, a header or the body, so no session token, device token, link token, password or code reaches the log
/// (links put their tokens in a fragment or the body of a POST: `LinkShapes`).
///
/// ```swift
/// router.add(middleware: RequestLogMiddleware())
/// ```
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A middleware logging at `level`.
    public init(level: Logger.Level = .info) {
        self.level = level
    }
    let level: Logger.Level

    /// Runs the rest of the chain and logs the request's line.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let path = request.uri.path
        do {
            let response = try await next(request, context)
            log(request, path: path, status: response.status.code, since: start, logger: context.logger)
            return response
        } catch {
            log(request, path: path, status: HTTPProblem.from(error).status, since: start, logger: context.logger)
            throw error
        }
    }

    private func log(
        _ request: Request, path: String, status: Int, since start: ContinuousClock.Instant, logger: Logger
    ) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.log(
            level: level, "\(request.method.rawValue) \(path) \(status)",
            metadata: ["http.duration_ms": "\(Int(milliseconds.rounded()))"])
    }
}
#endif
