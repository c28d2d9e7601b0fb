import Testing
@testable import TaxpayerAccess

/// Random sources and security codes (RULES A4, A7).
@Suite("Crypto: random sources and codes")
struct RandomTests {
    /// Pearson's chi-square statistic of `counts` against a uniform expectation.
    static func chiSquare(_ counts: [Int]) -> Double {
        let expected = Double(counts.reduce(0, +)) / Double(counts.count)
        return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
    }

    /// Upper 0.999 quantiles of chi-square: a fair source exceeds them once in a thousand runs.
    static let critical9 = 27.877  // 9 degrees of freedom (10 buckets)
    static let critical99 = 148.230  // 99 degrees of freedom (100 buckets)
    /// Upper 1 − 10⁻⁷ quantiles, for the live CSPRNG, whose output differs every run: CI must not flake.
    static let liveCritical9 = 50.172
    static let liveCritical99 = 190.231

    /// Codes bucketed by first digit, by last digit and by value mod 100.
    static func buckets(codeCount: Int, random: any RandomSource) -> (first: [Int], last: [Int], mod100: [Int]) {
        var first = [Int](repeating: 0, count: 10)
        var last = [Int](repeating: 0, count: 10)
        var mod100 = [Int](repeating: 0, count: 100)
        for _ in 0..<codeCount {
            let code = SecurityCode.generate(using: random)
            let value = Int(code)!
            first[value / 100_000] += 1
            last[value % 10] += 1
            mod100[value % 100] += 1
        }
        return (first, last, mod100)
    }

    // A4: six digits drawn uniformly from a CSPRNG. 100,000 codes; each check fails a fair source once in ten
    // million runs, and still catches the biased source below (statistic ≈ 146 > 50.2).
    @Test func secureRandomCodesAreUniform() {
        let (first, last, mod100) = Self.buckets(codeCount: 100_000, random: SecureRandom())
        #expect(Self.chiSquare(first) < Self.liveCritical9, "first digit: \(first)")
        #expect(Self.chiSquare(last) < Self.liveCritical9, "last digit: \(last)")
        #expect(Self.chiSquare(mod100) < Self.liveCritical99, "code mod 100")
    }

    // The seeded source's uniform() rejects like randombytes_uniform; with a fixed seed this is deterministic.
    @Test func seededRandomCodesAreUniform() {
        let (first, last, mod100) = Self.buckets(codeCount: 100_000, random: SeededRandom(seed: 2024))
        #expect(Self.chiSquare(first) < Self.critical9)
        #expect(Self.chiSquare(last) < Self.critical9)
        #expect(Self.chiSquare(mod100) < Self.critical99)
    }

    // The chi-square check has teeth: a biased source (modulo bias made large) is caught.
    @Test func chiSquareCatchesABiasedSource() {
        struct Biased: RandomSource {
            let inner = SeededRandom(seed: 1)
            func bytes(_ count: Int) -> [UInt8] { inner.bytes(count) }
            // A byte mod 10: 0–5 get 26 chances in 256, 6–9 get 25.
            func uniform(_ upperBound: UInt32) -> UInt32 { UInt32(inner.bytes(1)[0]) % upperBound }
        }
        // Noncentrality 400,000 × Σ(pᵢ − 0.1)²/0.1 ≈ 146, far over the critical 27.9; the seed makes it fixed.
        let (first, _, _) = Self.buckets(codeCount: 400_000, random: Biased())
        #expect(Self.chiSquare(first) > Self.liveCritical9, "first digits: \(first)")
    }

    // A4
    @Test(arguments: [1, 4, 6, 8, 10, 12])
    func codesHaveTheAskedDigits(digits: Int) {
        let random = SecureRandom()
        for _ in 0..<50 {
            let code = SecurityCode.generate(digits: digits, using: random)
            #expect(code.count == digits)
            #expect(code.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        }
    }

    @Test func seededRandomIsReproducible() {
        let a = SeededRandom(seed: 42)
        let b = SeededRandom(seed: 42)
        #expect(a.bytes(100) == b.bytes(100))
        #expect((0..<50).map { _ in a.uniform(1_000_000) } == (0..<50).map { _ in b.uniform(1_000_000) })
        #expect(SecurityCode.generate(using: a) == SecurityCode.generate(using: b))
        // Reads of different sizes see one stream.
        let c = SeededRandom(seed: 9)
        let d = SeededRandom(seed: 9)
        #expect(c.bytes(3) + c.bytes(70) + c.bytes(1) == d.bytes(74))
    }

    @Test func seededRandomDiffersAcrossSeeds() {
        let streams = (0..<8).map { SeededRandom(seed: UInt64($0)).bytes(32) }
        #expect(Set(streams).count == streams.count)
        #expect(SeededRandom(seed: 1).bytes(32) != SeededRandom(seed: 1 << 63).bytes(32))
    }

    @Test(arguments: [SecureRandom() as any RandomSource, SeededRandom(seed: 5)])
    func uniformStaysInRange(random: any RandomSource) {
        #expect(random.uniform(0) == 0)
        #expect(random.uniform(1) == 0)
        for bound: UInt32 in [2, 3, 10, 1000, 0x8000_0001, .max] {
            for _ in 0..<200 { #expect(random.uniform(bound) < bound) }
        }
        var seen = Set<UInt32>()
        for _ in 0..<500 { seen.insert(random.uniform(7)) }
        #expect(seen == Set(0..<7), "every value of a small range shows up")
    }

    @Test func secureRandomBytes() {
        let random = SecureRandom()
        #expect(random.bytes(0).isEmpty)
        let a = random.bytes(32)
        let b = random.bytes(32)
        #expect(a.count == 32)
        #expect(a != b)
    }
}
