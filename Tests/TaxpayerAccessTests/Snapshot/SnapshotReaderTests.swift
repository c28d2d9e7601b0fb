import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

/// `AccessSnapshot.decode(from:)` reads the bytes itself; these tests hold it to what the `Codable` conformances
/// through `JSONDecoder` decide (the path it replaced): the same snapshot, or the same error, for every document.
@Suite("Snapshot reader")
struct SnapshotReaderTests {
    /// The former path: the strict pass, `JSONDecoder`, then validation.
    static func decodeThroughJSONDecoder(_ data: Data) throws -> AccessSnapshot {
        try StrictJSON.check(data)
        let snapshot: AccessSnapshot
        do {
            snapshot = try JSONDecoder().decode(AccessSnapshot.self, from: data)
        } catch let error as SnapshotError {
            throw error
        } catch let error as DecodingError {
            throw SnapshotError(decoding: error)
        }
        try snapshot.validate()
        return snapshot
    }

    /// The outcome of one path: the snapshot, or the error's description.
    static func outcome(_ body: () throws -> AccessSnapshot) -> Result<AccessSnapshot, SnapshotError> {
        do { return .success(try body()) } catch let error as SnapshotError { return .failure(error) } catch {
            return .failure(SnapshotError(path: "?", message: "\(error)"))
        }
    }

    /// A JSON value with its members in order, enough to mutate the example document.
    indirect enum Value {
        case string(String)
        case literal(String)
        case array([Value])
        case object([(key: String, value: Value)])

        var text: String {
            switch self {
            case .string(let text): Self.quoted(text)
            case .literal(let text): text
            case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
            case .object(let members):
                // Keys as they are: the example's need no escape, and an escaped key is kept escaped.
                "{" + members.map { "\"" + $0.key + "\":" + $0.value.text }.joined(separator: ",") + "}"
            }
        }

        static func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        }

        /// Parses the (trusted) example text.
        static func parse(_ text: String) -> Value {
            var scalars = Array(text.unicodeScalars)[...]
            func skip() { while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() } }
            func string() -> String {
                scalars.removeFirst()
                var result = ""
                while let next = scalars.popFirst(), next != "\"" { result.unicodeScalars.append(next) }
                return result
            }
            func value() -> Value {
                skip()
                switch scalars.first! {
                case "\"": return .string(string())
                case "[":
                    scalars.removeFirst()
                    var elements: [Value] = []
                    while true {
                        skip()
                        if scalars.first == "]" { break }
                        elements.append(value())
                        skip()
                        if scalars.first == "," { scalars.removeFirst() }
                    }
                    scalars.removeFirst()
                    return .array(elements)
                case "{":
                    scalars.removeFirst()
                    var members: [(key: String, value: Value)] = []
                    while true {
                        skip()
                        if scalars.first == "}" { break }
                        let key = string()
                        skip()
                        scalars.removeFirst()  // ":"
                        members.append((key, value()))
                        skip()
                        if scalars.first == "," { scalars.removeFirst() }
                    }
                    scalars.removeFirst()
                    return .object(members)
                default:
                    var word = ""
                    while let next = scalars.first, next.properties.isAlphabetic || next.properties.numericType != nil {
                        word.unicodeScalars.append(next)
                        scalars.removeFirst()
                    }
                    return .literal(word)
                }
            }
            return value()
        }
    }

    /// One change at one place: a step of the path is a member's position or an element's index.
    enum Change {
        case replace(Value)
        case remove
        case addUnknownKey
        case escapeKey
    }

    static func apply(_ change: Change, at steps: ArraySlice<Int>, to value: Value) -> Value {
        guard let step = steps.first else {
            if case .replace(let replacement) = change { return replacement }
            return value
        }
        let rest = steps.dropFirst()
        switch value {
        // A place the first of two changes took away.
        case .array(let elements) where !elements.indices.contains(step): return value
        case .object(let members) where !members.indices.contains(step): return value
        case .array(var elements):
            if rest.isEmpty, case .remove = change {
                elements.remove(at: step)
            } else {
                elements[step] = apply(change, at: rest, to: elements[step])
            }
            return .array(elements)
        case .object(var members):
            if rest.isEmpty {
                switch change {
                case .remove:
                    members.remove(at: step)
                    return .object(members)
                case .escapeKey:
                    // The same key through an escape of its first character (decodes the same).
                    let key = members[step].key
                    let first = key.unicodeScalars.first!.value
                    members[step].key = String(format: "\\u%04x", first) + String(key.unicodeScalars.dropFirst())
                    return .object(members)
                default:
                    break
                }
            }
            members[step].value = apply(change, at: rest, to: members[step].value)
            return .object(members)
        default:
            return value
        }
    }

    /// Every place in `value`: the path of steps, and whether it is a member (which can be removed) of an object.
    static func places(_ value: Value, _ prefix: [Int] = []) -> [(steps: [Int], isObject: Bool)] {
        var result: [(steps: [Int], isObject: Bool)] = [(prefix, { if case .object = value { true } else { false } }())]
        switch value {
        case .array(let elements):
            for (i, element) in elements.enumerated() { result += places(element, prefix + [i]) }
        case .object(let members):
            for (i, member) in members.enumerated() { result += places(member.value, prefix + [i]) }
        default: break
        }
        return result
    }

    static let replacements: [Value] = [
        .literal("null"), .literal("7"), .literal("true"), .string("zz"), .array([]), .object([]),
        .string("none"), .string("taxAdministrator"), .string("L2"), .string("A1"), .array([.literal("1")]),
        .array([.literal("null")]), .object([("A1", .string("viewOnly"))]), .object([("A1", .literal("3"))]),
        .object([("A1", .literal("null"))]),
    ]

    /// Every one-change document of the example, and (a sample of) two-change ones.
    static func mutatedDocuments() -> [String] {
        let example = Value.parse(SnapshotTests.example)
        var changes: [(Change, [Int])] = []
        for place in places(example) {
            for replacement in replacements { changes.append((.replace(replacement), place.steps)) }
            if !place.steps.isEmpty {
                changes.append((.remove, place.steps))
                changes.append((.escapeKey, place.steps))
            }
            if place.isObject {
                // An unknown key added as the object's last member.
                changes.append((.replace(Self.adding(to: example, at: place.steps)), []))
            }
        }
        var documents = changes.map { apply($0.0, at: $0.1[...], to: example).text }
        var generator = SplitMix64(seed: 12)
        for _ in 0..<1_500 {
            var first = changes[Int(generator.next() % UInt64(changes.count))]
            var second = changes[Int(generator.next() % UInt64(changes.count))]
            // A key added is a whole new document: it goes first.
            if second.1.isEmpty { swap(&first, &second) }
            // Two unknown keys in one object, or two faults in one account map, were reported in the dictionary's
            // (random) order by JSONDecoder: left out.
            if first.1.isEmpty && second.1.isEmpty { continue }
            if first.1.count >= 3, second.1.count >= 3, first.1.dropLast() == second.1.dropLast() { continue }
            let once = apply(first.0, at: first.1[...], to: example)
            documents.append(apply(second.0, at: second.1[...], to: once).text)
        }
        return documents + ["[]", "null", "7", "\"x\"", "{}", #"{"format": null}"#, #"{"format": 1}"#]
    }

    static func adding(to document: Value, at steps: [Int]) -> Value {
        func add(_ value: Value, _ steps: ArraySlice<Int>) -> Value {
            switch value {
            case .object(var members):
                if let step = steps.first {
                    members[step].value = add(members[step].value, steps.dropFirst())
                } else {
                    members.append(("zzUnknown", .literal("1")))
                }
                return .object(members)
            case .array(var elements):
                let step = steps.first!
                elements[step] = add(elements[step], steps.dropFirst())
                return .array(elements)
            default:
                return value
            }
        }
        return add(document, steps[...])
    }

    @Test("every mutated example document gets the snapshot or the error JSONDecoder's path gives")
    func sameOutcomes() {
        let documents = Self.mutatedDocuments()
        #expect(documents.count > 2_000)
        var refused = 0
        var messages: Set<String> = []
        for document in documents {
            let data = Data(document.utf8)
            let expected = Self.outcome { try Self.decodeThroughJSONDecoder(data) }
            let actual = Self.outcome { try AccessSnapshot.decode(from: data) }
            if case .failure(let error) = expected {
                refused += 1
                messages.insert(error.message)
            }
            #expect(actual == expected, "\(document)")
        }
        #expect(refused > 1_000)
        // Faults of every kind: wrong types, nulls, missing and unknown keys, bad values, the rules of validate().
        for kind in ["expected a string", "found null", "expected an object", "expected an array", "missing"] {
            #expect(messages.contains { $0.hasPrefix(kind) || $0.hasSuffix(kind) }, "\(kind)")
        }
        #expect(messages.count > 40)
    }

    @Test("a generated world's document decodes to what JSONDecoder's path gives, and back to its text")
    func generatedWorld() async throws {
        let world = WorldGenerator.generate(.small, seed: 7)
        let store = InMemoryAccessStore()
        try await store.seed(world.records)
        let data = try await AccessSnapshot.export(from: store).encoded()
        let decoded = try AccessSnapshot.decode(from: data)
        #expect(decoded == (try Self.decodeThroughJSONDecoder(data)))
        #expect(try decoded.encoded() == data)
    }
}
