#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How records, changes and audit events are stored: JSON that decodes back equal.
///
/// Dates use the coders' default, the `Double` of `timeIntervalSinceReferenceDate`, written in its shortest form that
/// reads back as the same `Double` — so sub-millisecond times survive (unlike `.millisecondsSince1970` or ISO 8601).
/// Keys are sorted so equal values give equal bytes, which keeps backups and diffs stable.
enum StoredJSON {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(value)
    }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }
}
