#if HTTP
public import Hummingbird
import HTTPTypes
import Synchronization

/// Admission before Argon2id on the routes anyone may call (Documentation/HTTP.md, "Slow hashing"): sign-in,
/// registration, password reset and secondary completion each spend one to three Argon2id computations (~20 ms and
/// 19 MiB each) before anything is known about the caller. A flood of them would queue without bound behind the
/// portal's hashing threads and stall every sign-in; past `limit` such requests in flight, the next is refused at
/// once — before any lookup, so alike for every username — with 429, `Retry-After: 1` and a problem body.
///
/// ```swift
/// router.add(middleware: PasswordAdmissionMiddleware(limit: 16))
/// ```
public struct PasswordAdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The unauthenticated routes that hash before they answer (all `POST`).
    public static var hashingPaths: Set<String> {
        ["/api/session", "/api/registrations", "/api/recovery/reset", "/api/secondary-completion"]
    }

    /// The most of those requests in flight at once.
    public let limit: Int
    private let inFlight: InFlight

    /// A middleware admitting at most `limit` hashing requests at once (at least 1).
    public init(limit: Int) {
        self.limit = max(1, limit)
        inFlight = InFlight()
    }

    /// Runs a hashing request if there is room, else answers 429; other requests pass straight through.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post, Self.hashingPaths.contains(request.uri.path) else {
            return try await next(request, context)
        }
        guard inFlight.enter(limit: limit) else {
            var response = HTTPProblem(
                status: .tooManyRequests, code: "busy",
                detail: "The portal is busy. Try again in a moment."
            ).response
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { inFlight.leave() }
        return try await next(request, context)
    }

    /// The count of admitted requests, shared by every copy of the middleware.
    final class InFlight: Sendable {
        private let count = Mutex(0)

        func enter(limit: Int) -> Bool {
            count.withLock { count in
                guard count < limit else { return false }
                count += 1
                return true
            }
        }

        func leave() { count.withLock { $0 -= 1 } }
    }
}
#endif
