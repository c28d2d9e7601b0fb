import Synchronization

/// A gate that, once armed, holds every caller of ``pass()`` until the test opens it, and counts the callers that
/// reached it: so a test can line up concurrent operations deterministically, without sleeping.
final class Gate: Sendable {
    private struct State {
        var armed = false
        var open = false
        var arrived = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// From now on, ``pass()`` waits at the gate.
    func arm() { state.withLock { $0.armed = true } }
    /// How many callers reached the gate since it was armed.
    var arrived: Int { state.withLock { $0.arrived } }
    /// Lets every held and later caller through.
    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting = [] }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns at once while unarmed or open; otherwise waits until ``open()``.
    func pass() async {
        let hold = state.withLock { s -> Bool in
            guard s.armed else { return false }
            s.arrived += 1
            return !s.open
        }
        guard hold else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let goNow = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(continuation)
                return false
            }
            if goNow { continuation.resume() }
        }
    }
}
