import Testing
import Synchronization
@testable import TaxpayerAccess

/// Argon2id (RULES R6, R7, R4's PIN) at libsodium's minimum cost, and the threads it runs on.
@Suite("Crypto: Argon2id")
struct HasherTests {
    let hasher = Argon2idHasher(cost: .minimum)

    // R6: passwords are stored only as salted slow hashes.
    @Test func hashesAndVerifies() async throws {
        let encoded = try await hasher.hash("Secret123")
        #expect(encoded.hasPrefix("$argon2id$v=19$m=8,t=1,p=1$"))
        #expect(!encoded.contains("Secret123"))
        #expect(await hasher.verify("Secret123", against: encoded))
        #expect(await !hasher.verify("secret123", against: encoded), "a wrong password is false")
        #expect(await !hasher.verify("Secret1234", against: encoded))
        #expect(try await hasher.hash("Secret123") != encoded, "a fresh salt each time")
    }

    @Test func emptyAndUnicodeSecretsWork() async throws {
        let empty = try await hasher.hash("")
        #expect(await hasher.verify("", against: empty))
        #expect(await !hasher.verify(" ", against: empty))
        // R7: answers are hashed in full, even past an embedded NUL.
        let answer = try await hasher.hash("müller\u{0}tail")
        #expect(await hasher.verify("müller\u{0}tail", against: answer))
        #expect(await !hasher.verify("müller", against: answer))
    }

    @Test func needsRehashWhenTheCostChanged() async throws {
        let encoded = try await hasher.hash("Secret123")
        #expect(!hasher.needsRehash(encoded))
        let stronger = Argon2idHasher(cost: .init(opsLimit: 2, memLimit: 16 * 1024))
        #expect(stronger.needsRehash(encoded))
        #expect(await stronger.verify("Secret123", against: encoded), "the old hash still verifies")
        let upgraded = try await stronger.hash("Secret123")
        #expect(!stronger.needsRehash(upgraded))
        #expect(hasher.needsRehash(upgraded))
    }

    @Test(arguments: [
        "", "garbage", "$argon2id$", "$argon2id$v=19$m=8,t=1,p=1$", "$argon2id$v=19$m=8,t=1,p=1$!!!!$!!!!",
        "$argon2i$v=19$m=8,t=1,p=1$c29tZXNhbHQ$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A",
        "$argon2id$v=19$m=8,t=1,p=1$c29tZXNhbHQ\u{0}$iWh06vD8Fy27wf9npn6FXWiCX4K6pW6Ue1Bnzz07Z8A",
        "$argon2id$v=19$m=8,t=1,p=1$" + String(repeating: "A", count: 500),
        "$2b$12$abcdefghijklmnopqrstuuJrQ5HbCxHq3vX8N9k4y3oPpBo9XWZ2u",
    ])
    func malformedHashesAreRefusedWithoutACrash(encoded: String) async {
        #expect(await !hasher.verify("Secret123", against: encoded))
        #expect(hasher.needsRehash(encoded))
    }

    @Test func truncatedHashIsRefused() async throws {
        let encoded = try await hasher.hash("Secret123")
        #expect(await !hasher.verify("Secret123", against: String(encoded.dropLast(4))))
        var altered = Array(encoded.utf8)
        altered[altered.count - 3] =
            altered[altered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(await !hasher.verify("Secret123", against: String(decoding: altered, as: UTF8.self)))
    }

    @Test func costBelowLibsodiumsMinimumThrows() async {
        let broken = Argon2idHasher(cost: .init(opsLimit: 0, memLimit: 1024))
        await #expect(throws: StoreError.self) { try await broken.hash("x") }
    }

    @Test func manyConcurrentHashesAllComplete() async throws {
        let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<12 { group.addTask { (i, try await hasher.hash("pw\(i)")) } }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        #expect(results.count == 12)
        for (i, encoded) in results {
            #expect(await hasher.verify("pw\(i)", against: encoded))
        }
    }

    // Slow hashing runs on a thread of the pool's own, outside every task, never on a thread of
    // Swift's cooperative pool (which would be running the calling task's job).
    @Test func jobsRunOutsideSwiftConcurrency() async {
        let threads = HashingThreads(limit: 1)
        #expect(withUnsafeCurrentTask { $0 != nil }, "the test itself runs in a task")
        let insideATask = await threads.run { withUnsafeCurrentTask { $0 != nil } }
        #expect(!insideATask)
    }

    final class Counters: Sendable {
        let state = Mutex((running: 0, peak: 0))
    }

    // The pool never runs more jobs at once than its limit, and runs every job.
    @Test func hashingThreadsRespectTheirLimit() async {
        let threads = HashingThreads(limit: 2)
        let counters = Counters()
        let total = await withTaskGroup(of: Int.self) { group in
            for i in 0..<16 {
                group.addTask {
                    await threads.run {
                        counters.state.withLock {
                            $0.running += 1
                            $0.peak = max($0.peak, $0.running)
                        }
                        // Real work, so jobs overlap if the pool let them.
                        _ = SHA1.hash([UInt8](repeating: UInt8(i), count: 20000))
                        counters.state.withLock { $0.running -= 1 }
                        return i
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(total == (0..<16).reduce(0, +))
        let peak = counters.state.withLock { $0.peak }
        #expect(peak >= 1 && peak <= 2)
    }
}
