#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A secret token drawn for a rule (RULES A7): the plain token to hand out once, its hash to store, and an id for
/// the record that holds the hash.
struct DrawnToken: Hashable, Sendable {
    var id: String
    var token: String
    var hash: TokenHash
}

/// A security code drawn for a rule (RULES A4): the digits to send once and their slow hash to store.
struct DrawnCode: Hashable, Sendable {
    var digits: String
    var hash: String
}

/// How every service commits: a rule's ``Decision`` turned into records and written in one atomic commit.
extension ServiceContext {
    /// Writes a decision: its records and audit events, its mail and texts sealed into the outbox, its e-messages
    /// into the inboxes — all in one commit (RULES N2, U1) — and applies it to the portal's resolver before it
    /// returns, so the next check in this process sees it.
    ///
    /// - Returns: the decision's result.
    /// - Throws: ``StoreError`` from the store; ``AccessError`` when the sealing key is unusable.
    @discardableResult
    func commit<R>(_ decision: Decision<R>) async throws -> R {
        let changes = try records(of: decision)
        if !changes.isEmpty {
            let sequence = try await store.commit(changes)
            await sync?.committed(changes, as: sequence)
            if let observer, !changes.auditEvents.isEmpty { observer.committed(changes.auditEvents) }
        }
        return decision.result
    }

    /// The change set a decision writes: its own, plus the outbox and inbox records of its mail, e-messages and
    /// texts, with ids drawn and bodies sealed here.
    func records<R>(of decision: Decision<R>) throws(AccessError) -> ChangeSet {
        var changes = decision.changes
        let now = clock.now()
        let box = sealingBox()
        for draft in decision.mail {
            let body: String
            switch draft.body {
            case .text(let text): body = text
            case .newMessageNotice: body = AccessMail.body(portalURL: portalURL)
            }
            var mail = OutboxMail(
                id: newID("M"), to: draft.to, subject: draft.subject, body: body, sealedWith: box, random: random,
                createdAt: now)
            if draft.decoy { mail.status = .decoy }
            changes.send(mail)
        }
        for draft in decision.eMessages {
            changes.insert(.eMessage(eMessage(to: draft.logon, subject: draft.subject, body: draft.body)))
        }
        for draft in decision.texts {
            changes.insert(
                .text(
                    OutboxText(
                        id: newID("X"), to: draft.to, sealedBody: box.seal(Array(draft.body.utf8), using: random),
                        createdAt: now)))
        }
        return changes
    }

    /// Reads and decides with `decide`, then commits what it decided. When another writer got there first (a
    /// version conflict), or a drawn number clashed with a stored one (a unique key named in `redrawing`), it reads
    /// and decides again, up to `attempts` times in all. A username or email taken becomes the refusal it is
    /// (RULES R4, R5).
    ///
    /// - Throws: whatever `decide` throws; ``AccessError/Code/usernameTaken``, ``AccessError/Code/emailTaken``;
    ///   ``StoreError`` when the store fails or the attempts run out.
    @discardableResult
    func decideAndCommit<R>(
        attempts: Int = 5, redrawing: Set<UniqueKey.Name> = [], _ decide: () async throws -> Decision<R>
    ) async throws -> R {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await commit(try await decide())
            } catch let error as StoreError where attempt < attempts && error.code == .versionConflict {
                continue
            } catch let error as StoreError where error.code == .uniqueKeyTaken {
                if let refusal = refusal(for: error) { throw refusal }
                if attempt < attempts, let name = error.uniqueKeyName, redrawing.contains(name) { continue }
                throw error
            }
        }
    }

    /// Maps a uniqueness conflict of a logon write to the refusal it is (RULES R4, R5).
    func refusal(for error: StoreError) -> AccessError? {
        switch error.uniqueKeyName {
        case .username?: AccessError(.usernameTaken, "This username is taken. Choose another.")
        case .email?: AccessError(.emailTaken, "This email address belongs to another logon. Use another address.")
        default: nil
        }
    }

    /// A new secret token with a record id of `prefix` (RULES A7).
    func drawToken(_ prefix: String) -> DrawnToken {
        let (token, hash) = SecretToken.generate(using: random)
        let id: Identifier<IdentifierTag.Token> = newID(prefix)
        return DrawnToken(id: id.rawValue, token: token, hash: hash)
    }

    /// A new security code and its slow hash (RULES A4).
    func drawCode() async throws -> DrawnCode {
        let digits = SecurityCode.generate(digits: policy.totpDigits, using: random)
        return DrawnCode(digits: digits, hash: try await hasher.hash(digits))
    }

    /// A portal link carrying a single-use token, shaped as the portal says (``LinkShapes``; RULES R12, V2, S2).
    func link(_ purpose: LinkShapes.Purpose, token: String) -> String { links.url(purpose, token: token) }

    /// Whether `password` equals the current password or one of the last ones (RULES V2). Verifies each hash.
    func passwordWasUsed(_ password: String, credentials: Credentials) async -> Bool {
        for encoded in ProfileRules.hashesToAvoid(credentials, policy: policy) {
            if await hasher.verify(password, against: encoded) { return true }
        }
        return false
    }
}

extension String {
    /// The text without leading and trailing white space (FoundationEssentials has no `trimmingCharacters`).
    var identityTrimmed: Substring {
        var t = Substring(self)
        while let first = t.first, first.isWhitespace { t.removeFirst() }
        while let last = t.last, last.isWhitespace { t.removeLast() }
        return t
    }
}
