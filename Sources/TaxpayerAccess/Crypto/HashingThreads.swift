internal import CSodium
import Synchronization

/// Threads of its own for slow hashing, so Argon2id never blocks Swift's cooperative pool.
///
/// Why not `@concurrent` or a `Task.detached`: both run on the global concurrent executor, which *is* the
/// cooperative pool, with one thread per core; a burst of logins each spending tens of milliseconds in Argon2id
/// would occupy every one of them and starve all other tasks. Why not Foundation's `Thread` or Dispatch: the core
/// imports only FoundationEssentials, which has neither. So this is a tiny pool over POSIX threads (reached
/// through the C library that `CSodium` re-exports):
/// - a job queue under a `Mutex`;
/// - at most ``limit`` threads, started on demand: a thread takes jobs until the queue is empty, then exits, so
///   an idle pool holds no thread and needs no shutdown;
/// - the limit also bounds memory: at most `limit` Argon2id computations hold their memory at once.
/// A caller awaits its job through a checked continuation, suspended, holding no cooperative thread.
final class HashingThreads: Sendable {
    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var running = 0
    }

    /// The most threads running at once.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The result of `work`, computed on one of the pool's threads.
    func run<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { (continuation: CheckedContinuation<Result, Never>) in
            submit { continuation.resume(returning: work()) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        let startsThread = state.withLock { state in
            state.jobs.append(job)
            guard state.running < limit else { return false }
            state.running += 1
            return true
        }
        guard startsThread else { return }
        if !startThread() {
            // No thread could be started (resource exhaustion): rather than lose the job, this caller's thread does
            // the worker's part, accounted as the thread that failed to start.
            drain()
        }
    }

    /// Runs queued jobs until none is left, then retires this worker.
    fileprivate func drain() {
        while let job = state.withLock({ state -> (@Sendable () -> Void)? in
            if state.jobs.isEmpty {
                state.running -= 1
                return nil
            }
            return state.jobs.removeFirst()
        }) {
            job()
        }
    }

    /// Starts a detached POSIX thread running ``drain()``; `false` if the system refused.
    private func startThread() -> Bool {
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Darwin)
        var thread: pthread_t?
        let result = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<HashingThreads>.fromOpaque(raw).takeRetainedValue().drain()
                return nil
            }, context)
        #else
        var thread = pthread_t()
        let result = pthread_create(
            &thread, nil,
            { raw in
                Unmanaged<HashingThreads>.fromOpaque(raw!).takeRetainedValue().drain()
                return nil
            }, context)
        #endif
        guard result == 0 else {
            Unmanaged<HashingThreads>.fromOpaque(context).release()
            return false
        }
        #if canImport(Darwin)
        if let thread { pthread_detach(thread) }
        #else
        pthread_detach(thread)
        #endif
        return true
    }
}
