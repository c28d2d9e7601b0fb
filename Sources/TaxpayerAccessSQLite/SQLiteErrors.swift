import GRDB
import TaxpayerAccess

/// Turns what SQLite, GRDB and the JSON coders throw into the port's `StoreError`.
enum SQLiteErrors {
    /// A failure while opening `path`.
    static func map(_ error: any Error, opening path: String) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return StoreError(
                    .corrupt, subject: path,
                    message:
                        "\(path) is not a readable TaxpayerAccess database: \(error.message ?? "\(error.resultCode)")")
            default:
                return StoreError(
                    .unavailable, subject: path,
                    message: "Cannot open \(path): \(error.message ?? "\(error.resultCode)")")
            }
        }
        return StoreError(.unavailable, subject: path, message: "Cannot open \(path): \(error)")
    }

    /// A failure while reading or committing.
    static func map(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return StoreError(
                    .corrupt, message: "The database is damaged: \(error.message ?? "\(error.resultCode)")")
            default:
                // Statement arguments stay out of the message (GRDB hides them unless told otherwise).
                return StoreError(.unavailable, message: "SQLite failed: \(error.message ?? "\(error.resultCode)")")
            }
        }
        if error is DecodingError {
            return StoreError(.corrupt, message: "A stored record could not be decoded: \(error)")
        }
        return StoreError(.unavailable, message: "\(error)")
    }

    /// Runs `body`, mapping whatever it throws.
    static func mapping<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw map(error)
        }
    }
}

/// GRDB has a `Record` class of its own; in this module `Record` is always the store's.
typealias Record = TaxpayerAccess.Record
