#if HTTP
public import Hummingbird
public import TaxpayerAccess
import Logging
import Foundation

/// An RFC 9457 problem: what the portal answers for every refusal and failure, as `application/problem+json`.
///
/// `type` is `urn:taxpayer-access:CODE`; `detail` is the error's safe message (RULES R3, A1, V1, X2: it says only
/// what may be shown), and is left out of every 5xx answer, whose cause is for the operators' log only.
///
/// ```swift
/// throw HTTPProblem(status: .forbidden, code: "csrfRejected", detail: "Send the X-CSRF-Protection header.")
/// ```
public struct HTTPProblem: Error, Sendable, Hashable, Codable {
    /// `urn:taxpayer-access:CODE`.
    public var type: String
    /// The status's reason phrase.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What went wrong, safe to show; `nil` for a 5xx.
    public var detail: String?
    /// The error code: an `AccessError/Code` name, or one of this layer's (`badRequest`, `csrfRejected`, …).
    public var code: String
    /// The input at fault, for an invalid input.
    public var field: String?

    /// A problem of `status` with `code`; the detail is dropped for a 5xx.
    public init(status: HTTPResponse.Status, code: String, detail: String?, field: String? = nil) {
        type = "urn:taxpayer-access:\(code)"
        title = status.reasonPhrase
        self.status = status.code
        self.detail = status.code >= 500 ? nil : detail
        self.code = code
        self.field = field
    }

    /// The problem a body that is not the route's JSON gets (400, Documentation/Errors.md).
    public static func badRequest(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: .badRequest, code: "badRequest", detail: detail)
    }

    /// The problem for any error a route throws: the status of Documentation/Errors.md by category and code.
    public static func from(_ error: any Error) -> HTTPProblem {
        switch error {
        case let problem as HTTPProblem:
            return problem
        case let error as AccessError:
            return HTTPProblem(
                status: status(of: error.code), code: error.code.description, detail: error.safeMessage,
                field: error.field)
        case let error as StoreError:
            if error.code == .unavailable {
                return HTTPProblem(status: .serviceUnavailable, code: "storeUnavailable", detail: nil)
            }
            if error.category == .conflict {
                return HTTPProblem(
                    status: .conflict, code: "conflict", detail: "Another change came first. Try again.")
            }
            return HTTPProblem(status: .internalServerError, code: "portalFault", detail: nil)
        case let error as any CategorizedError:
            // SealingKeyError and any future portal fault: never shown.
            return error.category == .portalFault
                ? HTTPProblem(status: .internalServerError, code: "portalFault", detail: nil)
                : HTTPProblem(status: .badRequest, code: "badRequest", detail: error.safeMessage)
        case let error as HTTPError:
            let status = error.status
            return HTTPProblem(
                status: status, code: status == .notFound ? "routeNotFound" : "http\(status.code)",
                detail: status.code >= 500 ? nil : (error.body ?? status.reasonPhrase))
        default:
            return HTTPProblem(status: .internalServerError, code: "portalFault", detail: nil)
        }
    }

    /// The status of a refusal code (Documentation/Errors.md, "Refusal codes").
    public static func status(of code: AccessError.Code) -> HTTPResponse.Status {
        switch code {
        case .tooManyAttempts, .tooManyResends: .tooManyRequests
        case .invalidCredentials, .invalidCode, .sessionExpired: .unauthorized
        case .lockedOut: HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
        case .stepRequired, .notAuthorized, .notEligible: .forbidden
        case .invalidLink: .gone
        case .notFound, .taxpayerNotMatched: .notFound
        case .conflict: .conflict
        case .misconfigured: .internalServerError
        default:
            switch code.category {
            case .invalidRequest, .denied: .unprocessableContent
            case .conflict: .conflict
            case .portalFault: .internalServerError
            }
        }
    }

    /// This problem as a response: `application/problem+json`, never cached.
    public var response: Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(self)).map { [UInt8]($0) } ?? Array(#"{"status":500}"#.utf8)
        return Response(
            status: HTTPResponse.Status(code: status, reasonPhrase: title),
            headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Turns every error a route or an inner middleware throws into an ``HTTPProblem`` response. A 5xx is logged with
/// the error's type and category only — never its message, which may name a record — so the operators see that it
/// happened and its request id.
///
/// ```swift
/// router.add(middleware: ProblemMiddleware())
/// ```
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    /// A middleware with nothing to set.
    public init() {}

    /// Runs the rest of the chain and answers its error as a problem.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = HTTPProblem.from(error)
            if problem.status >= 500 {
                context.logger.error(
                    "request failed",
                    metadata: [
                        "error.type": "\(String(reflecting: type(of: error)))", "problem.code": "\(problem.code)",
                    ])
            }
            return problem.response
        }
    }
}
#endif
