import Testing
import Foundation
@testable import TaxpayerAccess

/// Expects `body` to refuse with ``AccessError/Code/invalidInput`` on `field`, with a message containing `fragment`
/// and never containing `secret`.
private func expectInvalid(
    field: String, _ fragment: String, secret: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(AccessError) -> Void
) {
    do {
        try body()
        Issue.record("expected a refusal on \(field) mentioning “\(fragment)”", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == .invalidInput, sourceLocation: sourceLocation)
        #expect(error.field == field, sourceLocation: sourceLocation)
        #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
        if let secret, !secret.isEmpty {
            #expect(!error.message.contains(secret), "the message repeats the secret", sourceLocation: sourceLocation)
            #expect(!error.description.contains(secret), sourceLocation: sourceLocation)
        }
    }
}

@Suite("Policy")
struct PolicyTests {
    // MARK: Blocklist (R6)

    // R6: the NIST preset's blocklist ships at least the 10,000 most common passwords.
    @Test func shippedBlocklistHoldsTenThousandCommonPasswords() {
        let list = PasswordBlocklist.common
        #expect(list.count >= 10_000)
        for common in ["123456", "password", "qwerty", "iloveyou", "trustno1", "sunshine", "qwertyuiop"] {
            #expect(list.contains(common), "\(common) is on the list")
        }
        #expect(list.contains("PassWord"), "compared case-insensitively")
        #expect(!list.contains("correct horse battery staple"))
        #expect(list.words.allSatisfy { $0 == $0.lowercased() && !$0.isEmpty })
    }

    @Test func blocklistParsesLinesAndComparesByContent() {
        #expect(PasswordBlocklist.parse("a\r\nB\n\n  c \n") == ["a", "B", "c"])
        let one = PasswordBlocklist(name: "x", words: ["Alpha", "beta"])
        #expect(one.contains("ALPHA"))
        #expect(one == PasswordBlocklist(name: "x", words: ["alpha", "BETA"]))
        #expect(one != PasswordBlocklist(name: "x", words: ["alpha", "gamma"]), "same size, other words")
        #expect(Policy.nist80063b.blocklist == .common)
    }

    // MARK: Username (R5)

    // R5
    @Test(arguments: ["abc", "elmo.smith", "Elmo_Smith-42", "a@b.c", String(repeating: "x", count: 60)])
    func goodUsernamesPass(username: String) throws {
        try Policy.massTaxConnect.validateUsername(username)
        try Policy.nist80063b.validateUsername(username)
    }

    // R5
    @Test(arguments: [
        ("", "required"),
        ("ab", "3 to 60 characters"),
        (String(repeating: "x", count: 61), "3 to 60 characters"),
        ("elmo smith", "white space"),
        ("elmo\tsmith", "white space"),
        ("elmo\u{00A0}smith", "white space"),  // no-break space
        ("elmo\u{3000}", "white space"),  // ideographic space
        (" elmo", "white space"),
        ("elmo\u{0007}", "ASCII"),  // control character
        ("josé", "ASCII"),
        ("ｅｌｍｏ", "ASCII"),  // full-width letters
        ("elmo😀", "ASCII"),
    ])
    func badUsernamesAreRefused(username: String, fragment: String) {
        expectInvalid(field: "username", fragment) { () throws(AccessError) in
            try Policy.massTaxConnect.validateUsername(username)
        }
    }

    // R5: the length comes from the policy.
    @Test func usernameLengthFollowsPolicy() throws {
        var policy = Policy.massTaxConnect
        policy.usernameLength = 5...8
        try policy.validateUsername("abcde")
        expectInvalid(field: "username", "5 to 8 characters") { () throws(AccessError) in
            try policy.validateUsername("abcd")
        }
        expectInvalid(field: "username", "5 to 8 characters") { () throws(AccessError) in
            try policy.validateUsername("abcdefghi")
        }
    }

    // MARK: Password (R6)

    // R6, MassTaxConnect preset.
    @Test(arguments: ["Passw0rd", "Abcdefg1", "A1b2C3d4E5f6G7h", "Tr0ub4dor &3", "zZ9!@#$%"])
    func goodCompositionPasswordsPass(password: String) throws {
        try Policy.massTaxConnect.validatePassword(password, username: "elmo")
    }

    // R6, MassTaxConnect preset.
    @Test(arguments: [
        ("", "required"),
        ("Abcde1", "8 to 15 characters"),
        ("Abcdefg1234567890", "8 to 15 characters"),
        ("abcdefg1", "upper-case"),
        ("ABCDEFG1", "lower-case"),
        ("Abcdefgh", "digit"),
        ("Elmosmith1", "same as the username"),
        ("Pässwort1", "ASCII"),
        ("Passw0rd\u{0000}", "ASCII"),
        ("Passw0rd\n", "ASCII"),
    ])
    func badCompositionPasswordsAreRefused(password: String, fragment: String) {
        expectInvalid(field: "password", fragment, secret: password) { () throws(AccessError) in
            try Policy.massTaxConnect.validatePassword(password, username: "ELMOSMITH1")
        }
    }

    // R6, NIST SP 800-63B preset: no composition rules, 8–64 characters, any script.
    @Test(arguments: [
        "abcdefgh-is-long-enough", "lowercaseonlyphrase", "12345678902468", "пароль-надёжный", "correct horse battery",
        "Pässwort ünd mehr", String(repeating: "ab", count: 32),
    ])
    func goodBlocklistPasswordsPass(password: String) throws {
        try Policy.nist80063b.validatePassword(password, username: "elmo")
    }

    // R6, NIST SP 800-63B preset.
    @Test(arguments: [
        ("", "required"),
        ("short1!", "8 to 64 characters"),
        (String(repeating: "a", count: 65), "8 to 64 characters"),
        ("superman", "too common"),
        ("PASSWORD1", "too common"),
        ("ｐａｓｓｗｏｒｄ", "too common"),  // full-width letters fold to "password" under NFKC
        ("iloveyou", "too common"),
        ("ElmoTheGreat", "same as the username"),
        ("tab\there-long", "control characters"),
    ])
    func badBlocklistPasswordsAreRefused(password: String, fragment: String) {
        expectInvalid(field: "password", fragment, secret: password) { () throws(AccessError) in
            try Policy.nist80063b.validatePassword(password, username: "elmothegreat")
        }
    }

    // R6: the two presets disagree on the same inputs.
    @Test func presetsDiffer() throws {
        try Policy.massTaxConnect.validatePassword("Password1", username: "elmo")  // composition: fine
        expectInvalid(field: "password", "too common") { () throws(AccessError) in
            try Policy.nist80063b.validatePassword("Password1", username: "elmo")
        }
        try Policy.nist80063b.validatePassword("all lower case words", username: "elmo")
        expectInvalid(field: "password", "8 to 15 characters") { () throws(AccessError) in
            try Policy.massTaxConnect.validatePassword("all lower case words", username: "elmo")
        }
    }

    // R6: NIST lengths count code points after NFKC: "e" + combining acute is one code point once composed.
    @Test func blocklistLengthCountsNormalisedCodePoints() throws {
        let sevenComposed = "cafe\u{301}xyz"  // "caféxyz": 8 scalars typed, 7 after composition
        expectInvalid(field: "password", "8 to 64 characters") { () throws(AccessError) in
            try Policy.nist80063b.validatePassword(sevenComposed, username: "")
        }
        try Policy.nist80063b.validatePassword("cafe\u{301}xyzw", username: "")
    }

    // R6: a policy's own blocklist replaces the shipped one.
    @Test func customBlocklistApplies() throws {
        var policy = Policy.nist80063b
        policy.blocklist = PasswordBlocklist(name: "agency", words: ["dorstate2024"])
        expectInvalid(field: "password", "too common") { () throws(AccessError) in
            try policy.validatePassword("DORState2024", username: "elmo")
        }
        try policy.validatePassword("password", username: "elmo")  // not on this list
    }

    // MARK: Confirmations (R1, R4)

    // R1, R4
    @Test(arguments: [
        ("idNumber", "123-45-6789", "123-45-6780", "ID number"),
        ("email", "elmo@example.com", "elmo@example.org", "email address"),
        ("password", "Passw0rd!", "Passw0rd?", "password"),
        ("pin", "1234", "1243", "PIN"),
    ])
    func mismatchedConfirmationsAreRefused(field: String, value: String, confirmation: String, fragment: String) {
        expectInvalid(field: field, fragment, secret: value) { () throws(AccessError) in
            try Policy.validateConfirmation(value, confirmation, field: field)
        }
        #expect(throws: Never.self) { try Policy.validateConfirmation(value, value, field: field) }
    }

    // MARK: Email (R4)

    // R4
    @Test(arguments: [
        ("elmo@dor.state.ma.us", "elmo@dor.state.ma.us"),
        ("  Elmo.Smith+tax@Example.COM \n", "Elmo.Smith+tax@Example.COM"),
        ("a@b.co", "a@b.co"),
    ])
    func goodEmailsPassTrimmed(email: String, expected: String) throws {
        #expect(try Policy.validateEmail(email) == expected)
    }

    // R4
    @Test(arguments: [
        ("", "required"),
        ("   ", "required"),
        ("elmo smith@example.com", "spaces"),
        ("elmo@exam\tple.com", "spaces"),
        ("elmo.example.com", "exactly one @"),
        ("elmo@@example.com", "exactly one @"),
        ("el@mo@example.com", "exactly one @"),
        ("@example.com", "before the @"),
        ("elmo@", "domain"),
        ("elmo@localhost", "domain"),
        ("elmo@example..com", "domain"),
        ("elmo@.example.com", "domain"),
        ("elmo@example.com.", "domain"),
        ("josé@example.com", "ASCII"),
        ("elmo\u{0001}@example.com", "ASCII"),
        (String(repeating: "a", count: 65) + "@example.com", "64 characters"),
        ("a@" + String(repeating: "b", count: 250) + ".com", "254 characters"),
    ])
    func badEmailsAreRefused(email: String, fragment: String) {
        expectInvalid(field: "email", fragment) { () throws(AccessError) in _ = try Policy.validateEmail(email) }
    }

    // MARK: PIN (R4)

    // R4
    @Test(arguments: ["0000", "1234", "9870"])
    func goodPINsPass(pin: String) throws { try Policy.validatePIN(pin) }

    // R4
    @Test(arguments: [
        ("", "required"), ("123", "exactly 4 digits"), ("12345", "exactly 4 digits"), ("12a4", "exactly 4 digits"),
        (" 1234", "exactly 4 digits"), ("١٢٣٤", "exactly 4 digits"),  // Arabic-Indic digits
        ("12 4", "exactly 4 digits"), ("1234\u{0000}", "exactly 4 digits"),
    ])
    func badPINsAreRefused(pin: String, fragment: String) {
        expectInvalid(field: "pin", fragment, secret: pin.count > 1 ? pin : nil) { () throws(AccessError) in
            try Policy.validatePIN(pin)
        }
    }

    // MARK: Phone (R4)

    // R4
    @Test(arguments: [
        ("1", "(617) 555-0134", "6175550134"),
        ("+1", "617.555.0134", "6175550134"),
        ("1", "1-617-555-0134", "6175550134"),
        ("44", "20 7946 0958", "2079460958"),
        ("354", "4211", "4211"),
        ("49", "123456789012", "123456789012"),
    ])
    func goodPhonesPass(countryCode: String, number: String, digits: String) throws {
        let phone = try Policy.validatePhone(countryCode: countryCode, type: .mobile, number: number)
        #expect(phone.number == digits)
        #expect(phone.countryCode == countryCode.filter(\.isNumber))
        #expect(phone.type == .mobile)
    }

    // R4
    @Test(arguments: [
        ("", "617-555-0134", "countryCode", "1 to 3 digits"),
        ("1234", "617-555-0134", "countryCode", "1 to 3 digits"),
        ("0", "617-555-0134", "countryCode", "1 to 3 digits"),
        ("x1", "617-555-0134", "countryCode", "1 to 3 digits"),
        ("1", "", "phone", "required"),
        ("1", "555-0134", "phone", "10 digits"),
        ("1", "617-555-01345", "phone", "10 digits"),
        ("1", "617-555-O134", "phone", "only digits"),  // letter O
        ("1", "617/555/0134", "phone", "only digits"),
        ("44", "123", "phone", "4 to 13 digits"),
        ("354", "1234567890123", "phone", "4 to 12 digits"),
        ("44", "２０７９４６０９５８", "phone", "only digits"),  // full-width digits
    ])
    func badPhonesAreRefused(countryCode: String, number: String, field: String, fragment: String) {
        expectInvalid(field: field, fragment) { () throws(AccessError) in
            _ = try Policy.validatePhone(countryCode: countryCode, type: .landline, number: number)
        }
    }

    // MARK: Taxpayer identification (T1)

    // T1
    @Test(arguments: [
        (IDType.ssn, "123-45-6789", "123456789"),
        (.ssn, "001 01 0001", "001010001"),
        (.ssn, "665-99-9999", "665999999"),
        (.ssn, "899-12-3456", "899123456"),
        (.itin, "912-70-6789", "912706789"),
        (.itin, "900-50-0000", "900500000"),
        (.itin, "999-65-1234", "999651234"),
        (.itin, "912-88-1234", "912881234"),
        (.itin, "912-90-1234", "912901234"),
        (.itin, "912-94-1234", "912941234"),
        (.itin, "912-99-1234", "912991234"),
        (.fein, "04-1234567", "041234567"),
        (.fein, "01-0000001", "010000001"),
        (.fein, "31-1234567", "311234567"),
        (.fein, "48-1234567", "481234567"),
        (.fein, "99-1234567", "991234567"),
    ])
    func goodTaxIdentifiersPass(type: IDType, number: String, digits: String) throws {
        let id = try Policy.validateTaxIdentifier(type: type, number: number)
        #expect(id == TaxIdentifier(type: type, number: digits))
    }

    // T1
    @Test(arguments: [
        (IDType.ssn, "", "required"),
        (.ssn, "12345678", "9 digits"),
        (.ssn, "1234567890", "9 digits"),
        (.ssn, "123-45-678O", "9 digits"),
        (.ssn, "123/45/6789", "9 digits"),
        (.ssn, "１２３４５６７８９", "9 digits"),  // full-width digits
        (.ssn, "000-12-3456", "000, 666 or 900–999"),
        (.ssn, "666-12-3456", "000, 666 or 900–999"),
        (.ssn, "900-12-3456", "000, 666 or 900–999"),
        (.ssn, "987-65-4321", "000, 666 or 900–999"),
        (.ssn, "123-00-4567", "00"),
        (.ssn, "123-45-0000", "0000"),
        (.itin, "812-70-6789", "begin with 9"),
        (.itin, "912-49-6789", "fourth and fifth"),
        (.itin, "912-66-6789", "fourth and fifth"),
        (.itin, "912-69-6789", "fourth and fifth"),
        (.itin, "912-89-6789", "fourth and fifth"),
        (.itin, "912-93-6789", "fourth and fifth"),
        (.itin, "912-00-6789", "fourth and fifth"),
        (.fein, "00-1234567", "prefix"),
        (.fein, "07-1234567", "prefix"),
        (.fein, "19-1234567", "prefix"),
        (.fein, "28-1234567", "prefix"),
        (.fein, "49-1234567", "prefix"),
        (.fein, "69-1234567", "prefix"),
        (.fein, "70-1234567", "prefix"),
        (.fein, "79-1234567", "prefix"),
        (.fein, "89-1234567", "prefix"),
        (.fein, "96-1234567", "prefix"),
        (.fein, "97-1234567", "prefix"),
    ])
    func badTaxIdentifiersAreRefused(type: IDType, number: String, fragment: String) {
        expectInvalid(field: "idNumber", fragment, secret: number.count == 11 ? number : nil) {
            () throws(AccessError) in
            _ = try Policy.validateTaxIdentifier(type: type, number: number)
        }
    }

    // T1: every FEIN prefix from 00 to 99 is accepted exactly when it is on the IRS list.
    @Test func feinPrefixesMatchTheIRSList() {
        let valid: Set<Int> = Set(
            [1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27]
                + Array(30...48) + Array(50...68) + Array(71...77) + Array(80...88) + Array(90...95) + [98, 99])
        for prefix in 0...99 {
            let number = String(format: "%02d1234567", prefix)
            let accepted = (try? Policy.validateTaxIdentifier(type: .fein, number: number)) != nil
            #expect(accepted == valid.contains(prefix), "prefix \(prefix)")
        }
    }

    // MARK: Security answer (R7)

    // R7
    @Test(arguments: [
        ("  Mr.   WHISKERS ", "mr. whiskers"),
        ("Fluffy\tthe\n\nCat", "fluffy the cat"),
        ("Straße", "strasse"),
        ("ΟΔΥΣΣΕΥΣ", "οδυσσευσ"),
        ("Cafe\u{301}", "café"),
        ("ｆｌｕｆｆｙ", "fluffy"),  // full-width letters
        ("   ", ""),
    ])
    func securityAnswersNormalise(answer: String, normalized: String) {
        let result = Policy.normalizeSecurityAnswer(answer)
        #expect(result == normalized)
        #expect(
            Array(result.unicodeScalars) == Array(normalized.precomposedStringWithCanonicalMapping.unicodeScalars),
            "composed, so the same answer hashes the same however it was typed")
    }

    // R7
    @Test func securityAnswersAreValidated() throws {
        try Policy.validateSecurityAnswer("  Mr. Whiskers ")
        try Policy.validateSecurityAnswer(String(repeating: "a", count: 100))
        expectInvalid(field: "securityAnswer", "required") { () throws(AccessError) in
            try Policy.validateSecurityAnswer(" \t\n ")
        }
        let long = String(repeating: "b", count: 101)
        expectInvalid(field: "securityAnswer", "at most 100", secret: long) { () throws(AccessError) in
            try Policy.validateSecurityAnswer(long)
        }
        expectInvalid(field: "securityAnswer", "control", secret: "whisk\u{7}ers") { () throws(AccessError) in
            try Policy.validateSecurityAnswer("whisk\u{7}ers")
        }
    }

    // MARK: Names (R4, T1, X2)

    // R4
    @Test(arguments: [
        ("Elmo Smith", "Elmo Smith"), ("  José Núñez  ", "José Núñez"), ("李小龍", "李小龍"),
        ("O'Brien-Smythe", "O'Brien-Smythe"),
    ])
    func goodFullNamesPassTrimmed(name: String, expected: String) throws {
        #expect(try Policy.validateFullName(name) == expected)
    }

    // R4
    @Test(arguments: [
        ("", "required"), ("  \n ", "required"), ("Elmo\tSmith", "control"), ("Elmo\u{0000}", "control"),
        (String(repeating: "n", count: 101), "at most 100"),
    ])
    func badFullNamesAreRefused(name: String, fragment: String) {
        expectInvalid(field: "fullName", fragment) { () throws(AccessError) in _ = try Policy.validateFullName(name) }
    }

    // T1, X2
    @Test func legalNamesAreValidated() throws {
        #expect(try Policy.validateLegalName("  Acme Widgets, Inc. ") == "Acme Widgets, Inc.")
        #expect(try Policy.validateLegalName(String(repeating: "n", count: 200)).count == 200)
        expectInvalid(field: "legalName", "required") { () throws(AccessError) in _ = try Policy.validateLegalName(" ")
        }
        expectInvalid(field: "legalName", "at most 200") { () throws(AccessError) in
            _ = try Policy.validateLegalName(String(repeating: "n", count: 201))
        }
        expectInvalid(field: "legalName", "control") { () throws(AccessError) in
            _ = try Policy.validateLegalName("Acme\rWidgets")
        }
    }

    // X2: names match ignoring case, punctuation and repeated spaces.
    @Test(arguments: [
        ("acme  widgets inc", "ACME Widgets, Inc.", true),
        ("A.B.C. Corp", "ABC Corp", true),
        ("o'brien, patrick", "OBrien Patrick", true),
        ("  Núñez   María ", "NÚÑEZ MARÍA", true),
        ("Strasse GmbH", "Straße GmbH", true),
        ("Acme Widget Inc", "Acme Widgets Inc", false),
        ("Acme Widgets", "Acme Widgets Inc", false),
        ("AcmeWidgets", "Acme Widgets", false),
        ("Nunez Maria", "Núñez María", false),
        ("", "", false),
        ("...", "!!!", false),
    ])
    func legalNamesMatch(given: String, record: String, matches: Bool) {
        #expect(Policy.matchesLegalName(given, record) == matches)
        #expect(Policy.matchesLegalName(record, given) == matches, "symmetric")
    }
}
