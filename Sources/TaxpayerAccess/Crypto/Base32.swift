/// RFC 4648 §6 base32, the text form of TOTP secrets in `otpauth://` URIs and for manual entry (RULES A8).
///
/// ```swift
/// Base32.encode(Array("foobar".utf8))   // "MZXW6YTBOI"
/// Base32.decode("mzxw 6ytb oi======")   // the bytes of "foobar"
/// ```
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Upper-case base32 without `=` padding (what authenticator apps expect in a URI).
    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(buffer >> UInt32(bits) & 31)])
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        if bits > 0 { out.append(alphabet[Int(buffer << UInt32(5 - bits) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of base32 `text`, ignoring case, white space, hyphens and trailing `=` padding; `nil` for any other
    /// character, padding followed by data, or a length no encoding produces (1, 3 or 6 symbols past a multiple
    /// of 8).
    static func decode(_ text: String) -> [UInt8]? {
        var values = [UInt8]()
        var padded = false
        for char in text.utf8 {
            switch char {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "-"):
                continue
            case UInt8(ascii: "="):
                padded = true
                continue
            default:
                break
            }
            if padded { return nil }
            switch char {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(char - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(char - UInt8(ascii: "a"))
            case UInt8(ascii: "2")...UInt8(ascii: "7"): values.append(char - UInt8(ascii: "2") + 26)
            default: return nil
            }
        }
        guard ![1, 3, 6].contains(values.count % 8) else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(values.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for value in values {
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }
}
