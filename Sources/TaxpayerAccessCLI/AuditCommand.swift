import ArgumentParser
import Foundation
import TaxpayerAccess

/// `taxpayer-access audit [--after N] [--limit N] [--subject PREFIX]`: the append-only audit log (RULES U1), one
/// tab-separated line per event: sequence, time, actor, action, subject, note.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Print the audit log, oldest first: sequence, time, actor, action, subject, note (tab-separated).")

    @OptionGroup var options: DatabaseOptions
    @Option(name: .long, help: "Only events after this sequence number.") var after: UInt64 = 0
    @Option(name: .long, help: "At most this many events.") var limit: Int?
    @Option(name: .long, help: "Only events whose subject starts with this, e.g. grant/ or taxpayer/T1.") var subject:
        String?

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let store = try await openStore(at: options.database, .mustExist)
        var cursor = after
        var printed = 0
        pages: while true {
            let page = try await store.auditEvents(after: cursor, limit: 500)
            for logged in page {
                let event = logged.event
                if let subject, !event.subject.hasPrefix(subject) { continue }
                let note = event.note.replacingOccurrences(of: "\t", with: " ").replacingOccurrences(
                    of: "\n", with: " ")
                print(
                    [
                        String(logged.sequence), isoTime(event.time), event.actor.description, event.action.rawValue,
                        event.subject, note,
                    ].joined(separator: "\t"))
                printed += 1
                if let limit, printed >= limit { break pages }
            }
            guard let last = page.last, page.count == 500 else { break }
            cursor = last.sequence
        }
    }
}
