import Foundation
import TaxpayerAccess
import TaxpayerAccessInMemory

/// `serve`'s development text gateway: writes each text message (RULES A3, A4) to a file of its own in a folder only
/// the portal's user may read (`<folder>/<idempotency key>.txt`, mode 0600), never to the log — a text carries a live
/// security code. Sending the same text again (a retried outbox delivery) replaces its file.
struct TextFolderGateway: TextMessenger {
    /// Where the files go (setting `texts.folder`).
    let folder: URL

    /// Creates the folder (mode 0700) if it does not exist.
    ///
    /// - Throws: a file-system error when the folder cannot be made.
    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// The file of the text with this idempotency key, named as ``EMLFileMailer`` names its mail files.
    func fileURL(for idempotencyKey: String) -> URL {
        folder.appendingPathComponent(EMLFileMailer.fileName(for: idempotencyKey, extension: "txt"))
    }

    func send(_ text: OutgoingText) async throws {
        let url = fileURL(for: text.idempotencyKey)
        try Data("To: \(text.to.countryCode) \(text.to.number)\n\n\(text.body)\n".utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }
}
