#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// A strict pass over JSON text before it is read (SnapshotFormat.md): the grammar of RFC 8259 and no key given
/// twice in one object. `JSONDecoder` keeps one of two equal keys without a word, and JSON tools disagree
/// on which, so a document could mean one thing here and another elsewhere; this pass refuses it instead, with the
/// JSON path of the second key. Keys compare as Swift strings compare (canonical equivalence), as the decoder's own
/// dictionary does, after their escapes are read.
///
/// One pass over the bytes, no recursion (nesting is bounded by ``maximumDepth``), no allocation per value: the key
/// lists of open objects are kept and reused level by level, and an object with many keys moves to a hash set.
package enum StrictJSON {
    /// The deepest nesting of arrays and objects accepted; a snapshot needs six levels, a question one.
    package static let maximumDepth = 64

    /// Checks `data` and throws the first fault with its JSON path.
    ///
    /// - Parameter singleLine: whether `data` is one line of a JSON Lines stream, whose faults name the column only.
    /// - Throws: ``SnapshotError`` with the path of the value at fault (`$` for the document) and what is wrong:
    ///   `key "x" given twice in one object`, or `not valid JSON (line 3, column 7: …)`.
    package static func check(_ data: Data, singleLine: Bool = false) throws {
        try data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self), singleLine: singleLine)
            try scanner.run()
        }
    }

    /// An open array or object.
    private struct Level {
        var isObject: Bool
        /// Elements read so far (the index of the current one in an array).
        var count = 0
        /// The current member's key in an object.
        var key = KeyRange(start: 0, end: 0, plain: true)
    }

    /// Where a key's text lies between its quotes; a plain key (ASCII, no escape) is equal to another plain key
    /// exactly when their bytes are, so only other keys need a `String` to be compared.
    private struct KeyRange {
        var start: Int
        var end: Int
        var plain: Bool
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var levels: [Level] = []
        /// The keys seen so far in the object open at each depth (reused as objects close and open).
        var keyLists: [[KeyRange]] = []
        /// The same, as a set, once an object has more than `listLimit` keys.
        var keySets: [Set<String>] = []
        let listLimit = 16
        let singleLine: Bool

        init(bytes: UnsafeBufferPointer<UInt8>, singleLine: Bool) {
            self.bytes = bytes
            self.singleLine = singleLine
        }

        // MARK: Grammar

        mutating func run() throws {
            // A UTF-8 byte order mark is allowed (RFC 8259, 8.1), as `JSONDecoder` allows it.
            if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
            skipWhiteSpace()
            guard index < bytes.count else { throw invalid("the document is empty") }
            try value()
            while true {
                skipWhiteSpace()
                guard let depth = levels.indices.last else { break }
                guard index < bytes.count else { throw invalid("the document ends inside a value") }
                let byte = bytes[index]
                if levels[depth].isObject {
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        try member(depth)
                    } else if byte == UInt8(ascii: "}") {
                        index += 1
                        close()
                    } else {
                        throw invalid("expected , or } after an object member")
                    }
                } else {
                    if byte == UInt8(ascii: ",") {
                        index += 1
                        levels[depth].count += 1
                        skipWhiteSpace()
                        try value()
                    } else if byte == UInt8(ascii: "]") {
                        index += 1
                        close()
                    } else {
                        throw invalid("expected , or ] after an array element")
                    }
                }
            }
            guard index == bytes.count else { throw invalid("text after the document") }
        }

        /// Reads a value at `index` (white space skipped): a scalar whole, or the opening of an array or object.
        mutating func value() throws {
            guard index < bytes.count else { throw invalid("the document ends where a value should be") }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                try open(isObject: true)
                skipWhiteSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    close()
                } else {
                    try member(levels.count - 1)
                }
            case UInt8(ascii: "["):
                index += 1
                try open(isObject: false)
                skipWhiteSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    close()
                } else {
                    try value()
                }
            case UInt8(ascii: "\""):
                _ = try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw invalid("expected a value")
            }
        }

        /// Reads `"key": ` and the start of its value in the object at `depth`; refuses a key seen before there.
        mutating func member(_ depth: Int) throws {
            skipWhiteSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw invalid("expected a key (a string) in an object")
            }
            let key = try string()
            if levels[depth].count < listLimit {
                for earlier in keyLists[depth] where same(earlier, key) { throw duplicate(key, depth) }
                keyLists[depth].append(key)
                if keyLists[depth].count == listLimit { keySets[depth] = Set(keyLists[depth].map(text)) }
            } else {
                guard keySets[depth].insert(text(key)).inserted else { throw duplicate(key, depth) }
            }
            levels[depth].key = key
            levels[depth].count += 1
            skipWhiteSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw invalid("expected : after a key")
            }
            index += 1
            skipWhiteSpace()
            try value()
        }

        mutating func open(isObject: Bool) throws {
            guard levels.count < StrictJSON.maximumDepth else {
                throw SnapshotError(
                    path: path(), message: "nested deeper than \(StrictJSON.maximumDepth) arrays and objects")
            }
            levels.append(Level(isObject: isObject))
            let depth = levels.count - 1
            if keyLists.count == depth {
                keyLists.append([])
                keySets.append([])
            }
            if isObject {
                keyLists[depth].removeAll(keepingCapacity: true)
                if !keySets[depth].isEmpty { keySets[depth].removeAll(keepingCapacity: true) }
            }
        }

        mutating func close() {
            levels.removeLast()
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard bytes.count - index >= count else { throw invalid("expected a value") }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
                throw invalid("expected a value")
            }
            index += count
        }

        /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
        mutating func number() throws {
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw invalid("a number needs a digit") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) { throw invalid("a number has no leading zero") }
            } else {
                digits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw invalid("a digit after the point") }
                digits()
            }
            if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw invalid("a digit in the exponent") }
                digits()
            }
        }

        mutating func digits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }

        func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

        /// Reads a string from its opening quote; returns where its text lies.
        mutating func string() throws -> KeyRange {
            index += 1
            let start = index
            var plain = true
            while true {
                guard index < bytes.count else { throw invalid("a string is not closed") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw invalid("a control character must be escaped in a string") }
                if byte >= 0x80 {
                    plain = false
                    index += try utf8SequenceLength()
                    continue
                }
                if byte == UInt8(ascii: "\\") {
                    plain = false
                    index += 1
                    guard index < bytes.count else { throw invalid("a string is not closed") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        break
                    case UInt8(ascii: "u"):
                        let code = try hex4(at: index + 1)
                        index += 4
                        if (0xDC00..<0xE000).contains(code) { throw invalid("\\u names a lone low surrogate") }
                        if (0xD800..<0xDC00).contains(code) {
                            guard bytes.count - index > 2, bytes[index + 1] == UInt8(ascii: "\\"),
                                bytes[index + 2] == UInt8(ascii: "u"),
                                (0xDC00..<0xE000).contains(try hex4(at: index + 3))
                            else { throw invalid("\\u names a high surrogate without its low surrogate") }
                            index += 6
                        }
                    default:
                        throw invalid("unknown escape in a string")
                    }
                }
                index += 1
            }
            let end = index
            index += 1
            return KeyRange(start: start, end: end, plain: plain)
        }

        /// A key's text, escapes read (as `Decoder` keys have it).
        func text(_ key: KeyRange) -> String {
            StrictJSON.text(UnsafeBufferPointer(rebasing: bytes[key.start..<key.end]))
        }

        /// Whether two keys are equal as Swift strings compare (canonical equivalence): by their bytes when both
        /// are plain ASCII, else by their text.
        func same(_ a: KeyRange, _ b: KeyRange) -> Bool {
            guard a.plain, b.plain else { return text(a) == text(b) }
            let count = a.end - a.start
            guard b.end - b.start == count else { return false }
            for offset in 0..<count where bytes[a.start + offset] != bytes[b.start + offset] { return false }
            return true
        }

        /// The four hexadecimal digits at `at` of a `\\u` escape.
        func hex4(at: Int) throws -> UInt32 {
            guard bytes.count - at >= 4 else { throw invalid("\\u needs four hexadecimal digits") }
            var code: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = StrictJSON.hexValue(bytes[at + offset]) else {
                    throw invalid("\\u needs four hexadecimal digits")
                }
                code = code << 4 | digit
            }
            return code
        }

        /// The length of the well-formed UTF-8 sequence at `index` (RFC 3629: no overlong form, no surrogate, at
        /// most U+10FFFF), or a fault.
        func utf8SequenceLength() throws -> Int {
            let lead = bytes[index]
            let (count, low, high): (Int, UInt8, UInt8) =
                switch lead {
                case 0xC2...0xDF: (2, 0x80, 0xBF)
                case 0xE0: (3, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
                case 0xED: (3, 0x80, 0x9F)
                case 0xF0: (4, 0x90, 0xBF)
                case 0xF1...0xF3: (4, 0x80, 0xBF)
                case 0xF4: (4, 0x80, 0x8F)
                default: (0, 0, 0)
                }
            guard count > 0, bytes.count - index >= count, (low...high).contains(bytes[index + 1]),
                (2..<count).allSatisfy({ bytes[index + $0] & 0xC0 == 0x80 })
            else { throw invalid("a string is not well-formed UTF-8") }
            return count
        }

        mutating func skipWhiteSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        // MARK: Errors

        /// `$.logons[3].username` for the value being read in the `depth` outermost open levels (all by default).
        func path(_ depth: Int? = nil) -> String {
            var text = "$"
            for level in levels.prefix(depth ?? levels.count) {
                if level.isObject {
                    if level.count > 0 { text += "." + self.text(level.key) }
                } else {
                    text += "[\(level.count)]"
                }
            }
            return text
        }

        func duplicate(_ key: KeyRange, _ depth: Int) -> SnapshotError {
            let name = text(key)
            return SnapshotError(
                path: path(depth) + "." + name, message: "key \"\(name)\" given twice in one object")
        }

        func invalid(_ what: String) -> SnapshotError {
            var line = 1
            var column = 1
            for byte in bytes.prefix(min(index, bytes.count)) {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            let place = singleLine ? "column \(column)" : "line \(line), column \(column)"
            return SnapshotError(path: path(), message: "not valid JSON (\(place): \(what))")
        }
    }
}

extension StrictJSON {
    /// The text of the bytes between the quotes of a string the scanner accepted, escapes read.
    static func text(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        raw.contains(UInt8(ascii: "\\")) ? unescape(raw) : String(decoding: raw, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The text of a string whose escapes and UTF-8 were checked by `Scanner.string()` (surrogates come
    /// in pairs there).
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        var plain: [UInt8] = []
        var i = 0
        func flush() {
            if !plain.isEmpty {
                scalars.append(contentsOf: String(decoding: plain, as: UTF8.self).unicodeScalars)
                plain.removeAll()
            }
        }
        func hex4(_ at: Int) -> UInt32 {
            (0..<4).reduce(0) { $0 << 4 | (hexValue(raw[at + $1]) ?? 0) }
        }
        while i < raw.count {
            guard raw[i] == UInt8(ascii: "\\") else {
                plain.append(raw[i])
                i += 1
                continue
            }
            flush()
            let kind = raw[i + 1]
            i += 2
            let simple: Unicode.Scalar? =
                switch kind {
                case UInt8(ascii: "b"): "\u{8}"
                case UInt8(ascii: "f"): "\u{C}"
                case UInt8(ascii: "n"): "\n"
                case UInt8(ascii: "r"): "\r"
                case UInt8(ascii: "t"): "\t"
                case UInt8(ascii: "u"): nil
                default: Unicode.Scalar(kind)
                }
            if let simple {
                scalars.append(simple)
                continue
            }
            var code = hex4(i)
            i += 4
            if (0xD800..<0xDC00).contains(code), i + 6 <= raw.count, raw[i] == UInt8(ascii: "\\"),
                raw[i + 1] == UInt8(ascii: "u")
            {
                let low = hex4(i + 2)
                if (0xDC00..<0xE000).contains(low) {
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
            }
            scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
        }
        flush()
        return String(scalars)
    }
}
