internal import CSodium
import Synchronization

// The resolver's own hash tables (Documentation/AccessModel.md, performance). The standard `Dictionary` runs a
// seeded SipHash-1-3 on every lookup — about half of a `check` before these tables. The keys here are ids the agency
// assigns and dense interned integers, not attacker-chosen input, so hash flooding is not a concern and a cheap
// non-cryptographic hash is enough: a multiply-xorshift over an id's UTF-8 bytes read eight at a time, a multiplicative (Fibonacci) mix for integer
// pairs. Both use open addressing with linear probing at a load factor of at most 1/2.

/// A key an ``InternTable`` can intern: anything with a `String` raw value.
protocol InternKey: Hashable, Sendable {
    var rawValue: String { get }
}

extension Identifier: InternKey {}
extension AccountType: InternKey {}

/// Interns keys to dense `Int32` indices (0, 1, 2, … in order of first sight) and keeps the keys by index.
///
/// Equality is the `String` equality of the keys (canonical equivalence), exactly as a `Dictionary` keyed by them
/// would have it. ASCII keys — every id the agency issues — go through the fast table, hashed on their bytes; the three non-ASCII characters canonically equivalent to an ASCII one (U+037E, U+1FEF, U+212A) are folded
/// first, and any other non-ASCII key goes to a `Dictionary`, so canonically equal keys always meet.
struct InternTable<Key: InternKey>: Sendable {
    /// The keys by index.
    private(set) var keys: [Key] = []
    /// Slot: `hash32 << 32 | (index + 1)`; 0 is empty.
    private var slots: [UInt64] = Array(repeating: 0, count: 16)
    private var mask = 15
    private var fastCount = 0
    /// Keys with non-ASCII text that is not canonically equivalent to ASCII.
    private var others: [String: Int32] = [:]

    var count: Int { keys.count }

    mutating func reserveCapacity(_ capacity: Int) {
        keys.reserveCapacity(capacity)
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        if size > slots.count { rehash(size) }
    }

    /// A 32-bit hash of an ASCII text, or `nil` when the text is not ASCII: eight bytes at a time (the tail of
    /// fewer than eight with overlapping loads, no byte loop), each word multiplied in, then the MurmurHash3
    /// finaliser.
    @inline(__always)
    private static func asciiHash(_ text: String) -> UInt32? {
        let result = text.utf8.withContiguousStorageIfAvailable { bytes -> UInt32? in
            let raw = UnsafeRawBufferPointer(bytes)
            let count = raw.count
            var hash = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
            var high: UInt64 = 0
            var i = 0
            while i + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                high |= word
                hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
                hash ^= hash >> 32
                i += 8
            }
            if i < count {
                // The tail's bytes as one little-endian word, read with at most two loads that stay inside the
                // text (overlapping where needed): the same word, hence the same hash, as reading byte by byte.
                let word: UInt64
                let rest = count - i
                if count >= 8 {
                    let last = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self))
                    word = last >> UInt64(8 * (8 - rest))
                } else if count >= 4 {
                    let low = UInt64(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)))
                    let top = UInt64(
                        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)))
                    word = low | top << UInt64(8 * (count - 4))
                } else {
                    word =
                        UInt64(raw[0]) | UInt64(raw[count / 2]) << UInt64(8 * (count / 2))
                        | UInt64(raw[count - 1]) << UInt64(8 * (count - 1))
                }
                high |= word
                hash = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            }
            hash ^= hash >> 33
            hash = hash &* 0xC4CE_B9FE_1A85_EC53
            hash ^= hash >> 33
            return high & 0x8080_8080_8080_8080 == 0 ? UInt32(truncatingIfNeeded: hash) : nil
        }
        if let result { return result }
        var copy = text
        copy.makeContiguousUTF8()
        return asciiHash(copy)
    }

    /// The text under which a non-ASCII key is equal to an ASCII one, if it is.
    private static func asciiEquivalent(_ text: String) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0..<0x80: scalars.append(scalar)
            case 0x037E: scalars.append(";")
            case 0x1FEF: scalars.append("`")
            case 0x212A: scalars.append("K")
            default: return nil
            }
        }
        return String(scalars)
    }

    @inline(__always)
    private func find(_ text: String, hash: UInt32) -> Int32? {
        slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                var i = Int(hash) & mask
                while true {
                    let slot = slots[i]
                    if slot == 0 { return nil }
                    if UInt32(truncatingIfNeeded: slot >> 32) == hash {
                        let index = Int(truncatingIfNeeded: slot & 0xFFFF_FFFF) - 1
                        if keys[index].rawValue == text { return Int32(index) }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// The index of `key`, if interned.
    @inline(__always)
    func index(of key: Key) -> Int32? {
        let text = key.rawValue
        if let hash = Self.asciiHash(text) { return find(text, hash: hash) }
        return slowIndex(text)
    }

    private func slowIndex(_ text: String) -> Int32? {
        if let ascii = Self.asciiEquivalent(text), let hash = Self.asciiHash(ascii) { return find(ascii, hash: hash) }
        return others[text]
    }

    /// The index of `key`, interning it when new.
    mutating func intern(_ key: Key) -> Int32 {
        let text = key.rawValue
        if let hash = Self.asciiHash(text) {
            if let index = find(text, hash: hash) { return index }
            return insertFast(key, hash: hash)
        }
        if let ascii = Self.asciiEquivalent(text), let hash = Self.asciiHash(ascii) {
            if let index = find(ascii, hash: hash) { return index }
            return insertFast(key, hash: hash)
        }
        if let index = others[text] { return index }
        let index = Int32(keys.count)
        keys.append(key)
        others[text] = index
        return index
    }

    private mutating func insertFast(_ key: Key, hash: UInt32) -> Int32 {
        if (fastCount + 1) * 2 > slots.count { rehash(slots.count * 2) }
        let index = Int32(keys.count)
        keys.append(key)
        place(UInt64(hash) << 32 | UInt64(index + 1))
        fastCount += 1
        return index
    }

    private mutating func place(_ slot: UInt64) {
        var i = Int(UInt32(truncatingIfNeeded: slot >> 32)) & mask
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func rehash(_ size: Int) {
        let old = slots
        slots = Array(repeating: 0, count: size)
        mask = size - 1
        for slot in old where slot != 0 { place(slot) }
    }
}

/// A map from a pair of interned indices (``ResolverWorld/pair(_:_:)``) to a value, open addressing with a
/// multiplicative hash. Values sit inline next to no class reference, so reading one copies a few bytes.
struct PairMap<Value: Sendable>: Sendable {
    private static var emptyKey: UInt64 { .max }
    private var keys: [UInt64]
    private var values: [Value]
    private let filler: Value
    private var shift: UInt64
    private(set) var count = 0

    init(filler: Value) {
        self.filler = filler
        keys = Array(repeating: Self.emptyKey, count: 16)
        values = Array(repeating: filler, count: 16)
        shift = 64 - 4
    }

    private var mask: Int { keys.count - 1 }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift) }

    /// The slot holding `key`, or -1.
    @inline(__always)
    private func slot(of key: UInt64) -> Int {
        keys.withUnsafeBufferPointer { keys in
            let mask = keys.count - 1
            var i = home(key)
            while true {
                let k = keys[i]
                if k == key { return i }
                if k == Self.emptyKey { return -1 }
                i = (i + 1) & mask
            }
        }
    }

    @inline(__always)
    subscript(key: UInt64) -> Value? {
        let i = slot(of: key)
        guard i >= 0 else { return nil }
        return values.withUnsafeBufferPointer { $0[i] }
    }

    func contains(_ key: UInt64) -> Bool { slot(of: key) >= 0 }

    mutating func reserveCapacity(_ capacity: Int) {
        var size = keys.count
        while size < capacity * 2 { size <<= 1 }
        if size > keys.count { rehash(size) }
    }

    mutating func set(_ key: UInt64, _ value: Value) {
        let i = slot(of: key)
        if i >= 0 {
            values[i] = value
            return
        }
        if (count + 1) * 2 > keys.count { rehash(keys.count * 2) }
        place(key, value)
        count += 1
    }

    private mutating func place(_ key: UInt64, _ value: Value) {
        var i = home(key)
        while keys[i] != Self.emptyKey { i = (i + 1) & mask }
        keys[i] = key
        values[i] = value
    }

    /// Removes `key` (backward-shift deletion, so no tombstones accumulate); whether it was there.
    @discardableResult
    mutating func remove(_ key: UInt64) -> Bool {
        var i = slot(of: key)
        guard i >= 0 else { return false }
        let mask = self.mask
        var j = i
        while true {
            j = (j + 1) & mask
            let k = keys[j]
            if k == Self.emptyKey { break }
            let h = home(k)
            // Leave k where it is if its home lies cyclically in (i, j].
            if i <= j ? (i < h && h <= j) : (i < h || h <= j) { continue }
            keys[i] = k
            values[i] = values[j]
            i = j
        }
        keys[i] = Self.emptyKey
        values[i] = filler
        count -= 1
        return true
    }

    private mutating func rehash(_ size: Int) {
        let oldKeys = keys
        let oldValues = values
        keys = Array(repeating: Self.emptyKey, count: size)
        values = Array(repeating: filler, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
        for (i, key) in oldKeys.enumerated() where key != Self.emptyKey { place(key, oldValues[i]) }
    }
}

/// Per-account levels of a role, grant or refinement: up to four inline (no allocation, no reference to copy), the
/// rest in the world's overflow table (``ResolverWorld/overflowLevels``).
struct LevelSet: Sendable {
    var accounts = SIMD4<Int32>(repeating: -1)
    var levels = SIMD4<UInt8>(repeating: 0)
    /// Whether the levels did not fit inline; then they are all in the overflow table, keyed by the entry's pair.
    var overflows = false

    static let inlineCapacity = 4
}

/// A role or third-party grant of a logon on a taxpayer (RULES L3, X5–X8).
struct PathEntry: Sendable {
    var levels = LevelSet()
    var active = false
    /// For roles: Master Administrator (All Access on every account) rather than Tax Administrator.
    var isMasterAdministrator = false
}

/// The lock around the resolver's world: questions share it, updates take it alone — a reader–writer lock whose
/// readers write no memory another reader writes, so checks on several cores scale (issue 12).
///
/// A `pthread_rwlock_t` keeps one reader count: every reader writes that one cache line, and two cores taking turns
/// at it spend their time moving the line between them. Here each reader counts itself in one of ``slotCount``
/// counters, each on cache lines of its own, chosen by its thread, and reads a `writing` flag that only writers
/// write; a writer (one at a time, under a mutex) raises the flag, waits until every counter is zero, changes the
/// world and lowers the flag. A reader that finds the flag raised steps out and waits for it to fall.
///
/// Why it is safe: the reader counts itself, then reads the flag; the writer raises the flag, then reads the counts;
/// all four are sequentially consistent, so at least one of the two sees the other — a reader never runs while a
/// writer changes the world. The flag's lowering releases the writer's changes; a reader's load of the flag acquires
/// them. A read may run inside another read on the same thread (its counter just counts twice); a read inside a write
/// would wait for itself, as it would with `pthread_rwlock_t`, and nothing does that.
final class WorldLock: @unchecked Sendable {
    /// Reader counters: enough that the threads of a server rarely share one (sharing is correct, only slower).
    static let slotCount = 64
    /// The distance between two counters, in counters: 128 bytes, two cache lines, so that no two counters — nor a
    /// counter and a line the adjacent-line prefetcher pairs with it — share a line.
    static let stride = 16

    private let counters: UnsafeMutablePointer<Atomic<Int>>
    /// Raised (1) while a writer waits for the readers or changes the world; on lines of its own.
    private let flag: UnsafeMutablePointer<Atomic<Int>>
    private let writers: UnsafeMutablePointer<pthread_mutex_t>
    private let world: UnsafeMutablePointer<ResolverWorld>

    init(_ world: consuming ResolverWorld) {
        counters = .allocate(capacity: Self.slotCount * Self.stride)
        for i in 0..<(Self.slotCount * Self.stride) { (counters + i).initialize(to: Atomic(0)) }
        flag = .allocate(capacity: 2 * Self.stride)
        for i in 0..<(2 * Self.stride) { (flag + i).initialize(to: Atomic(0)) }
        writers = .allocate(capacity: 1)
        pthread_mutex_init(writers, nil)
        self.world = .allocate(capacity: 1)
        self.world.initialize(to: world)
    }

    deinit {
        counters.deinitialize(count: Self.slotCount * Self.stride)
        counters.deallocate()
        flag.deinitialize(count: 2 * Self.stride)
        flag.deallocate()
        pthread_mutex_destroy(writers)
        writers.deallocate()
        world.deinitialize(count: 1)
        world.deallocate()
    }

    /// The calling thread's counter: its pthread id (an address) mixed, so neighbouring threads spread.
    @inline(__always)
    private var slot: UnsafeMutablePointer<Atomic<Int>> {
        #if canImport(Darwin)
        let thread = UInt64(UInt(bitPattern: pthread_self()))
        #else
        let thread = UInt64(pthread_self())
        #endif
        let index = Int(truncatingIfNeeded: (thread &* 0x9E37_79B9_7F4A_7C15) >> 58)  // 0..<64
        return counters + index &* Self.stride
    }

    /// The writing flag (the middle of its allocation, so the lines on both sides hold nothing else).
    @inline(__always)
    private var writing: UnsafeMutablePointer<Atomic<Int>> { flag + Self.stride }

    /// Runs `body` with the world shared with other readers. `body` must not mutate the world: it is handed `inout`
    /// only so that the optimiser reads the world in place (a method called on a value loaded from a pointer copies
    /// the whole world, retaining every table, ~1,500 instructions).
    @inline(__always)
    func read<R>(_ body: (inout ResolverWorld) -> R) -> R {
        let counter = slot
        while true {
            counter.pointee.wrappingAdd(1, ordering: .sequentiallyConsistent)
            if writing.pointee.load(ordering: .sequentiallyConsistent) == 0 { break }
            counter.pointee.wrappingSubtract(1, ordering: .releasing)
            waitWhileWriting()
        }
        defer { counter.pointee.wrappingSubtract(1, ordering: .releasing) }
        return body(&world.pointee)
    }

    /// Waits, out of line, until no writer holds the world.
    @inline(never)
    private func waitWhileWriting() {
        var spins = 0
        while writing.pointee.load(ordering: .acquiring) != 0 {
            spins += 1
            if spins > 64 { sched_yield() }
        }
    }

    /// Runs `body` with the world alone: after every reader in it has left, before any new one enters.
    func write<R>(_ body: (inout ResolverWorld) -> R) -> R {
        pthread_mutex_lock(writers)
        defer { pthread_mutex_unlock(writers) }
        writing.pointee.store(1, ordering: .sequentiallyConsistent)
        for index in 0..<Self.slotCount {
            var spins = 0
            while (counters + index &* Self.stride).pointee.load(ordering: .sequentiallyConsistent) != 0 {
                spins += 1
                if spins > 64 { sched_yield() }
            }
        }
        defer { writing.pointee.store(0, ordering: .releasing) }
        return body(&world.pointee)
    }
}
