// Foundation (not FoundationEssentials) for Unicode normalisation (NFKC), which FoundationEssentials lacks.
import Foundation

/// Input validators. Each refusal is ``AccessError/invalid(_:_:)`` with the field at fault and a message that
/// names what was wrong; a message never repeats a secret (password, PIN, answer).
///
/// The character-set choices are recorded in `Documentation/Decisions/0003-input-character-sets.md`:
/// usernames, emails, PINs, phone numbers and ID numbers are ASCII; composition-rule passwords are printable ASCII;
/// blocklist (NIST) passwords, names and security answers may use any Unicode except control characters.
extension Policy {
    // MARK: Username and password

    /// Checks a new username (RULES R5): ``usernameLength`` characters (3 to 60 by default), printable ASCII only,
    /// no white space of any kind. Uniqueness is the store's to enforce, not this check's.
    ///
    /// ```swift
    /// try Policy.massTaxConnect.validateUsername("elmo.smith")
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `username`.
    package func validateUsername(_ username: String) throws(AccessError) {
        let field = "username"
        guard !username.isEmpty else { throw .invalid(field, "Username is required") }
        // Printable ASCII without a space (nearly every username) passes the two checks below without a look-up.
        if !Self.hasOnlyPrintableASCII(username) {
            if username.unicodeScalars.contains(where: \.properties.isWhitespace) {
                throw .invalid(field, "Username must not contain spaces or other white space")
            }
            guard username.unicodeScalars.allSatisfy(Self.isPrintableASCII) else {
                throw .invalid(field, "Username may contain only ASCII letters, digits and symbols")
            }
        }
        let length = username.unicodeScalars.count
        guard usernameLength.contains(length) else {
            throw .invalid(field, "Username must be \(Self.describe(usernameLength)) characters long")
        }
    }

    /// Checks a new password against this policy's ``passwordRules`` (RULES R6).
    ///
    /// - ``PasswordRules/composition``: ``passwordLength`` characters (8 to 15), printable ASCII (space allowed),
    ///   at least one upper-case letter, one lower-case letter and one digit, not the username.
    /// - ``PasswordRules/blocklist`` (NIST SP 800-63B): ``passwordLength`` characters (8 to 64) counted as Unicode
    ///   code points after NFKC normalisation, any characters but control characters, not on ``blocklist``, not
    ///   the username. No composition rules.
    ///
    /// The username comparison ignores case in both presets. The password is never part of a message.
    ///
    /// ```swift
    /// try Policy.massTaxConnect.validatePassword("Tr0ubadour", username: "elmo")
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `password`.
    package func validatePassword(_ password: String, username: String) throws(AccessError) {
        let field = "password"
        guard !password.isEmpty else { throw .invalid(field, "Password is required") }
        switch passwordRules {
        case .composition:
            guard password.unicodeScalars.allSatisfy({ $0 == " " || Self.isPrintableASCII($0) }) else {
                throw .invalid(field, "Password may contain only ASCII letters, digits, symbols and spaces")
            }
            guard passwordLength.contains(password.unicodeScalars.count) else {
                throw .invalid(field, "Password must be \(Self.describe(passwordLength)) characters long")
            }
            guard password.unicodeScalars.contains(where: { ("A"..."Z").contains($0) }) else {
                throw .invalid(field, "Password must contain at least one upper-case letter")
            }
            guard password.unicodeScalars.contains(where: { ("a"..."z").contains($0) }) else {
                throw .invalid(field, "Password must contain at least one lower-case letter")
            }
            guard password.unicodeScalars.contains(where: { ("0"..."9").contains($0) }) else {
                throw .invalid(field, "Password must contain at least one digit")
            }
            if !username.isEmpty, password.lowercased() == username.lowercased() {
                throw .invalid(field, "Password must not be the same as the username")
            }
        case .blocklist:
            if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw .invalid(field, "Password must not contain control characters")
            }
            let normalized = password.precomposedStringWithCompatibilityMapping
            guard passwordLength.contains(normalized.unicodeScalars.count) else {
                throw .invalid(field, "Password must be \(Self.describe(passwordLength)) characters long")
            }
            let folded = normalized.lowercased()
            if !username.isEmpty, folded == username.precomposedStringWithCompatibilityMapping.lowercased() {
                throw .invalid(field, "Password must not be the same as the username")
            }
            if blocklist.contains(folded) {
                throw .invalid(field, "Password is too common: it is on the list of most-used passwords")
            }
        }
    }

    // MARK: Confirmations

    /// Checks that a value typed twice was typed the same both times: the ID number (RULES R1), the email (R4),
    /// the password. Pass both values as they will be used (after any trimming the caller does); they compare
    /// exactly, as Swift compares strings (canonically equivalent forms are equal). Neither value is in the message.
    ///
    /// ```swift
    /// try Policy.validateConfirmation(email, emailAgain, field: "email")
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with the given field.
    package static func validateConfirmation(_ value: String, _ confirmation: String, field: String)
        throws(AccessError)
    {
        guard value == confirmation else {
            throw .invalid(field, "The \(describeField(field)) and its confirmation do not match")
        }
    }

    // MARK: Profile (R4)

    /// Checks an email address (RULES R4) and returns it trimmed of surrounding white space. It must be printable
    /// ASCII without spaces, at most 254 characters, with exactly one `@`, a non-empty local part of at most 64
    /// characters, and a domain of at least two non-empty dot-separated labels. Case is kept as typed;
    /// uniqueness (case-insensitive) is the store's to enforce.
    ///
    /// ```swift
    /// let email = try Policy.validateEmail("  elmo@dor.state.ma.us ")   // "elmo@dor.state.ma.us"
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `email`.
    package static func validateEmail(_ email: String) throws(AccessError) -> String {
        let field = "email"
        // Printable ASCII without a space has nothing to trim and passes the two checks below.
        let plain = hasOnlyPrintableASCII(email)
        let trimmed = plain ? email : email.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field, "Email address is required") }
        if !plain {
            if trimmed.unicodeScalars.contains(where: \.properties.isWhitespace) {
                throw .invalid(field, "Email address must not contain spaces")
            }
            guard trimmed.unicodeScalars.allSatisfy(isPrintableASCII) else {
                throw .invalid(field, "Email address may contain only ASCII letters, digits and symbols")
            }
        }
        guard trimmed.utf8.count <= 254 else {
            throw .invalid(field, "Email address must be at most 254 characters long")
        }
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .invalid(field, "Email address must contain exactly one @") }
        let local = parts[0]
        let domain = parts[1]
        guard !local.isEmpty else { throw .invalid(field, "Email address needs a name before the @") }
        guard local.utf8.count <= 64 else {
            throw .invalid(field, "Email address must have at most 64 characters before the @")
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw .invalid(field, "Email address needs a domain after the @, like example.com")
        }
        return trimmed
    }

    /// Checks a PIN (RULES R4): exactly four ASCII digits. The PIN is never part of a message.
    ///
    /// ```swift
    /// try Policy.validatePIN("0417")
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `pin`.
    package static func validatePIN(_ pin: String) throws(AccessError) {
        guard !pin.isEmpty else { throw .invalid("pin", "PIN is required") }
        guard pin.utf8.count == 4, pin.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            throw .invalid("pin", "PIN must be exactly 4 digits (0–9)")
        }
    }

    /// Checks a phone number (RULES R4) and returns it with digits only. The country code is 1 to 3 digits,
    /// a leading `+` allowed. In the number, spaces and `( ) - .` are dropped; what remains must be digits.
    /// For country code 1 (North America) the number has 10 digits (an 11-digit number starting with 1 loses
    /// that 1); elsewhere it has at least 4 digits and, with the country code, at most 15 (E.164).
    ///
    /// ```swift
    /// let phone = try Policy.validatePhone(countryCode: "1", type: .mobile, number: "(617) 555-0134")
    /// // phone.number == "6175550134"
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `countryCode` or `phone`.
    package static func validatePhone(countryCode: String, type: PhoneNumber.LineType, number: String)
        throws(AccessError) -> PhoneNumber
    {
        var code = Substring(countryCode.trimmingCharacters(in: .whitespaces))
        if code.first == "+" { code = code.dropFirst() }
        guard (1...3).contains(code.utf8.count), code.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            code.first != "0"
        else {
            throw .invalid("countryCode", "Country code must be 1 to 3 digits, like 1 for the United States")
        }
        let separators: Set<Unicode.Scalar> = ["(", ")", "-", ".", " "]
        let kept = number.unicodeScalars.filter { !separators.contains($0) }
        guard !kept.isEmpty else { throw .invalid("phone", "Phone number is required") }
        guard kept.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .invalid("phone", "Phone number may contain only digits, spaces and ( ) - .")
        }
        var digits = String(String.UnicodeScalarView(kept))
        if code == "1" {
            if digits.count == 11, digits.first == "1" { digits.removeFirst() }
            guard digits.count == 10 else {
                throw .invalid("phone", "A United States phone number must have 10 digits, area code included")
            }
        } else {
            let maximum = 15 - code.count
            guard (4...maximum).contains(digits.count) else {
                throw .invalid("phone", "Phone number must have 4 to \(maximum) digits after country code \(code)")
            }
        }
        return PhoneNumber(countryCode: String(code), type: type, number: digits)
    }

    // MARK: Taxpayer identification (T1)

    /// Checks a taxpayer ID number for its type (RULES T1) and returns the identifier with nine digits only.
    /// Dashes and spaces are dropped; nine digits must remain.
    ///
    /// - SSN: the area (first three digits) is not 000, 666 or 900–999; the group (next two) is not 00; the serial
    ///   (last four) is not 0000.
    /// - ITIN: starts with 9; the fourth and fifth digits are in 50–65, 70–88, 90–92 or 94–99.
    /// - FEIN: the two-digit prefix is one the IRS assigns: 01–06, 10–16, 20–27, 30–48, 50–68, 71–77, 80–88,
    ///   90–95, 98–99.
    ///
    /// ```swift
    /// let id = try Policy.validateTaxIdentifier(type: .ssn, number: "123-45-6789")
    /// ```
    /// - Throws: ``AccessError/Code/invalidInput`` with field `idNumber`. The message names the rule broken, not
    ///   the number.
    package static func validateTaxIdentifier(type: IDType, number: String) throws(AccessError) -> TaxIdentifier {
        let field = "idNumber"
        // Nine ASCII digits (a number as stored) have no separator to take out.
        let plain = number.utf8.count == 9 && number.utf8.allSatisfy { (0x30...0x39).contains($0) }
        let kept: String.UnicodeScalarView =
            plain ? number.unicodeScalars : number.unicodeScalars.filter { $0 != "-" && $0 != " " }
        guard !kept.isEmpty else { throw .invalid(field, "\(type.rawValue) is required") }
        guard kept.count == 9, kept.allSatisfy({ ("0"..."9").contains($0) }) else {
            throw .invalid(field, "\(type.rawValue) must be 9 digits")
        }
        let whole = kept.reduce(0) { $0 * 10 + Int($1.value - 0x30) }
        /// The number the digits at `range` (of the nine) write.
        func value(_ range: Range<Int>) -> Int {
            var below = 1
            for _ in range.upperBound..<9 { below *= 10 }
            var width = 1
            for _ in range { width *= 10 }
            return whole / below % width
        }
        switch type {
        case .ssn:
            let area = value(0..<3)
            if area == 0 || area == 666 || area >= 900 {
                throw .invalid(field, "SSN cannot begin with 000, 666 or 900–999")
            }
            if value(3..<5) == 0 { throw .invalid(field, "SSN cannot have 00 as its fourth and fifth digits") }
            if value(5..<9) == 0 { throw .invalid(field, "SSN cannot end with 0000") }
        case .itin:
            guard value(0..<1) == 9 else { throw .invalid(field, "ITIN must begin with 9") }
            let middle = value(3..<5)
            guard itinGroups.contains(where: { $0.contains(middle) }) else {
                throw .invalid(field, "ITIN must have 50–65, 70–88, 90–92 or 94–99 as its fourth and fifth digits")
            }
        case .fein:
            guard feinPrefixes.contains(where: { $0.contains(value(0..<2)) }) else {
                throw .invalid(field, "FEIN must begin with a prefix the IRS assigns; check the first two digits")
            }
        }
        return TaxIdentifier(type: type, number: plain ? number : String(kept))
    }

    /// ITIN fourth-and-fifth-digit ranges the IRS issues.
    static let itinGroups: [ClosedRange<Int>] = [50...65, 70...88, 90...92, 94...99]
    /// FEIN prefixes the IRS campuses, the online application and the SBA assign ("How EINs are assigned and
    /// valid EIN prefixes", irs.gov).
    static let feinPrefixes: [ClosedRange<Int>] = [
        1...6, 10...16, 20...27, 30...48, 50...68, 71...77, 80...88, 90...95, 98...99,
    ]

    // MARK: Security answer (R7)

    /// The normalised form of a security answer that is hashed and compared (RULES R7): NFKC-normalised,
    /// case-folded, trimmed, every run of inner white space collapsed to one space.
    ///
    /// ```swift
    /// Policy.normalizeSecurityAnswer("  Mr.   WHISKERS ")   // "mr. whiskers"
    /// ```
    package static func normalizeSecurityAnswer(_ answer: String) -> String {
        collapseWhiteSpace(caseFold(answer.precomposedStringWithCompatibilityMapping))
    }

    /// Checks a security answer (RULES R7): after ``normalizeSecurityAnswer(_:)`` it is not empty, has at most
    /// 100 characters and no control characters. The answer is never part of a message.
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` with field `securityAnswer`.
    package static func validateSecurityAnswer(_ answer: String) throws(AccessError) {
        let field = "securityAnswer"
        let normalized = normalizeSecurityAnswer(answer)
        guard !normalized.isEmpty else { throw .invalid(field, "Security answer is required") }
        if containsControlCharacter(normalized) {
            throw .invalid(field, "Security answer must not contain control characters")
        }
        guard normalized.count <= 100 else {
            throw .invalid(field, "Security answer must be at most 100 characters long")
        }
    }

    // MARK: Names

    /// Checks a person's full name (RULES R4) and returns it trimmed: 1 to 100 characters, any script, no control
    /// characters.
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` with field `fullName`.
    package static func validateFullName(_ name: String) throws(AccessError) -> String {
        try validateName(name, field: "fullName", label: "Full name", maximum: 100)
    }

    /// Checks a taxpayer's legal name as a person types it (RULES T1, X2) and returns it trimmed: 1 to 200
    /// characters (business names run long), any script, no control characters.
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` with field `legalName`.
    package static func validateLegalName(_ name: String) throws(AccessError) -> String {
        try validateName(name, field: "legalName", label: "Legal name", maximum: 200)
    }

    /// Whether a legal name given by a person matches the one on record (RULES X2): compared after NFKC
    /// normalisation and case folding, with punctuation removed and runs of white space collapsed. An empty name
    /// (after that) matches nothing. Callers answer a mismatch exactly as an unknown taxpayer (X2).
    ///
    /// ```swift
    /// Policy.matchesLegalName("acme  widgets inc", "ACME Widgets, Inc.")   // true
    /// ```
    package static func matchesLegalName(_ given: String, _ record: String) -> Bool {
        let lhs = comparableName(given)
        return !lhs.isEmpty && lhs == comparableName(record)
    }

    // MARK: Helpers

    private static func validateName(_ name: String, field: String, label: String, maximum: Int)
        throws(AccessError) -> String
    {
        // ASCII letters, digits, symbols and inner spaces (most names): nothing to trim, no control character,
        // one character per byte.
        let plain =
            name.utf8.first != 0x20 && name.utf8.last != 0x20 && name.utf8.allSatisfy { (0x20...0x7E).contains($0) }
        let trimmed = plain ? name : name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid(field, "\(label) is required") }
        if !plain, containsControlCharacter(trimmed) {
            throw .invalid(field, "\(label) must not contain control characters such as tabs or line breaks")
        }
        guard (plain ? trimmed.utf8.count : trimmed.count) <= maximum else {
            throw .invalid(field, "\(label) must be at most \(maximum) characters long")
        }
        return trimmed
    }

    static func comparableName(_ name: String) -> String {
        let folded = caseFold(name.precomposedStringWithCompatibilityMapping)
        let scalars = folded.unicodeScalars.filter { !isPunctuation($0) }
        return collapseWhiteSpace(String(String.UnicodeScalarView(scalars)))
    }

    /// Full case folding as the standard library allows: upper-casing first maps `ß` to `SS` and final sigma to
    /// sigma, so the lower-cased result equals Unicode case folding for all but a handful of scripts.
    static func caseFold(_ text: String) -> String { text.uppercased().lowercased() }

    static func collapseWhiteSpace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    static func containsControlCharacter(_ text: String) -> Bool {
        // Printable ASCII and spaces hold none: only other text needs each scalar's category looked up.
        if text.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) { return false }
        return text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    static func isPrintableASCII(_ scalar: Unicode.Scalar) -> Bool { (0x21...0x7E).contains(scalar.value) }

    /// Whether every byte of `text` is printable ASCII other than the space (so no white space, nothing to trim).
    static func hasOnlyPrintableASCII(_ text: String) -> Bool { text.utf8.allSatisfy { (0x21...0x7E).contains($0) } }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            true
        default: false
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        range.lowerBound == range.upperBound
            ? "exactly \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
    }

    private static func describeField(_ field: String) -> String {
        switch field {
        case "idNumber": "ID number"
        case "email": "email address"
        case "password": "password"
        case "pin": "PIN"
        default: field
        }
    }
}
