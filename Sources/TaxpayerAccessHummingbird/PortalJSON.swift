#if HTTP
public import Hummingbird
import Foundation

/// The JSON of the portal's routes: bodies read with a size limit and refused as a 400 problem when they are not the
/// route's JSON (the decoder's message is not echoed: it may quote the body), answers written with sorted keys and
/// ISO 8601 times, never cached.
public enum PortalJSON {
    /// The largest request body a route reads.
    public static let maxBodySize = 64 * 1024

    /// The request's body decoded as `type`.
    ///
    /// - Throws: ``HTTPProblem`` 400 for a body that is not `type`'s JSON, 413 for one over ``maxBodySize``.
    public static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodySize)
        } catch {
            throw HTTPProblem(status: .contentTooLarge, code: "bodyTooLarge", detail: "The request body is too large.")
        }
        let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(T.self, from: Data(bytes.isEmpty ? Array("{}".utf8) : bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPProblem.badRequest("The body lacks the field \"\(key.stringValue)\".")
        } catch let DecodingError.typeMismatch(_, context) {
            throw HTTPProblem.badRequest("The field \"\(path(context))\" has the wrong type.")
        } catch let DecodingError.valueNotFound(_, context) {
            throw HTTPProblem.badRequest("The field \"\(path(context))\" is null.")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            throw HTTPProblem.badRequest("The field \"\(path(context))\" has a value this route does not accept.")
        } catch let problem as HTTPProblem {
            throw problem
        } catch {
            throw HTTPProblem.badRequest("The body is not JSON.")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    /// `value` as a JSON answer of `status`.
    public static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(data))))
    }

    /// An empty answer (204 unless told).
    public static func empty(_ status: HTTPResponse.Status = .noContent) -> Response {
        Response(status: status, headers: [.cacheControl: "no-store"])
    }
}
#endif
