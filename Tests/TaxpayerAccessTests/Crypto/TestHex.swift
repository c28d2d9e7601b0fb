/// Hex helpers for the crypto test vectors.
enum Hex {
    static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    /// Bytes of hex text; spaces ignored.
    static func decode(_ text: String) -> [UInt8] {
        let chars = Array(text.filter { !$0.isWhitespace })
        return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(chars[$0...$0 + 1]), radix: 16)! }
    }
}
