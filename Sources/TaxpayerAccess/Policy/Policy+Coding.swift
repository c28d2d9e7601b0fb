#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The JSON form of a ``Policy``: a preset and the settings that differ from it (Documentation/Operations.md,
/// Policy settings).
///
/// ```json
/// { "preset": "massTaxConnect", "lockoutThreshold": 3, "sessionIdleTimeout": 900 }
/// ```
///
/// - `preset` is `massTaxConnect` (the default when absent) or `nist80063b`; every other key overrides one setting.
/// - Every duration is a number of **seconds**; counts are whole numbers; lengths are `{"min": N, "max": N}` in
///   characters; `trustedDeviceLifetime` may be `null` (trusted devices off); `allowedTwoStepKinds` is a list of
///   `authenticator`, `text`, `email`; `blocklist` is `"common"` (the shipped list) or `{"name": …, "words": […]}`;
///   `hashingCost` is `{"opsLimit": N, "memLimit": bytes}`.
/// - An unknown key, a value of the wrong type and an impossible value (``Policy/validate()``) are refused with an
///   ``AccessError`` whose ``AccessError/field`` names the setting.
///
/// Encoding writes every setting (no preset), so a policy round-trips whole.
extension Policy: Codable {
    /// The setting names of the JSON form, in declaration order.
    enum Setting: String, CodingKey, CaseIterable {
        case preset
        case maxFailedProofs, proofAttemptWindow, usernameLength, passwordLength, passwordRules, automaticApproval
        case newTaxAdministratorLevel, activationLinkLifetime, lockoutThreshold, lockoutDuration, allowedTwoStepKinds
        case codeLifetime, codeMaxFailedAttempts, codeMaxSendsPerWindow, codeSendWindow, codeLockoutThreshold
        case trustedDeviceLifetime, sessionIdleTimeout, sessionAbsoluteLifetime, sessionActivityInterval, totpStep,
            totpDigits
        case totpAllowedDrift, resetLinkLifetime, passwordHistoryCount, resetAsksSecurityQuestion
        case requiresSecurityQuestion, requestLifetime, secondaryLinkLifetime, hashingCost, blocklist
    }

    /// The presets by their JSON names.
    public static let presets: [String: Policy] = ["massTaxConnect": .massTaxConnect, "nist80063b": .nist80063b]

    /// The longest duration a setting may hold: 100 years, in seconds.
    static let longestDuration: Double = 100 * 365.25 * 86400

    /// A policy from its JSON form (a preset plus overrides), validated.
    ///
    /// ```swift
    /// let policy = try Policy.decode(json: Data(#"{"preset": "nist80063b", "lockoutThreshold": 3}"#.utf8))
    /// ```
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` whose field names the setting at fault (`policy` when the text is
    ///   not a JSON object).
    public static func decode(json: Data) throws(AccessError) -> Policy {
        do {
            return try JSONDecoder().decode(Policy.self, from: json)
        } catch let error as AccessError {
            throw error
        } catch {
            throw AccessError.invalid("policy", "The policy settings are not a JSON object.")
        }
    }

    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        for key in any.allKeys where Setting(rawValue: key.stringValue) == nil {
            throw AccessError.invalid(
                key.stringValue, "\"\(key.stringValue)\" is not a policy setting (see Documentation/Operations.md).")
        }
        let c = try decoder.container(keyedBy: Setting.self)
        func read<T: Decodable>(_ type: T.Type, _ key: Setting, _ expected: String) throws -> T? {
            guard c.contains(key) else { return nil }
            do {
                return try c.decode(T.self, forKey: key)
            } catch {
                throw AccessError.invalid(key.rawValue, "The policy setting \(key.rawValue) must be \(expected).")
            }
        }
        func count(_ key: Setting) throws -> Int? { try read(Int.self, key, "a whole number") }
        func flag(_ key: Setting) throws -> Bool? { try read(Bool.self, key, "true or false") }
        func duration(_ key: Setting) throws -> Duration? {
            guard let seconds = try read(Double.self, key, "a number of seconds") else { return nil }
            return try Self.duration(seconds: seconds, key)
        }
        func length(_ key: Setting) throws -> ClosedRange<Int>? {
            guard let range = try read(LengthRange.self, key, #"{"min": N, "max": N} in characters"#) else {
                return nil
            }
            guard range.min <= range.max else {
                throw AccessError.invalid(
                    key.rawValue, "The policy setting \(key.rawValue) has min \(range.min) above max \(range.max).")
            }
            return range.min...range.max
        }

        var policy = Policy.massTaxConnect
        if let name = try read(String.self, .preset, "massTaxConnect or nist80063b") {
            guard let preset = Self.presets[name] else {
                throw AccessError.invalid(
                    "preset", "The preset \"\(name)\" is not known: use massTaxConnect or nist80063b.")
            }
            policy = preset
        }
        if let v = try count(.maxFailedProofs) { policy.maxFailedProofs = v }
        if let v = try duration(.proofAttemptWindow) { policy.proofAttemptWindow = v }
        if let v = try length(.usernameLength) { policy.usernameLength = v }
        if let v = try length(.passwordLength) { policy.passwordLength = v }
        if let v = try read(PasswordRules.self, .passwordRules, "composition or blocklist") { policy.passwordRules = v }
        if let v = try flag(.automaticApproval) { policy.automaticApproval = v }
        if let v = try read(AccessLevel.self, .newTaxAdministratorLevel, "viewOnly, fileAndPay or allAccess") {
            policy.newTaxAdministratorLevel = v
        }
        if let v = try duration(.activationLinkLifetime) { policy.activationLinkLifetime = v }
        if let v = try count(.lockoutThreshold) { policy.lockoutThreshold = v }
        if let v = try duration(.lockoutDuration) { policy.lockoutDuration = v }
        if let v = try read([TwoStepKind].self, .allowedTwoStepKinds, "a list of authenticator, text and email") {
            policy.allowedTwoStepKinds = Set(v)
        }
        if let v = try duration(.codeLifetime) { policy.codeLifetime = v }
        if let v = try count(.codeMaxFailedAttempts) { policy.codeMaxFailedAttempts = v }
        if let v = try count(.codeMaxSendsPerWindow) { policy.codeMaxSendsPerWindow = v }
        if let v = try duration(.codeSendWindow) { policy.codeSendWindow = v }
        if let v = try count(.codeLockoutThreshold) { policy.codeLockoutThreshold = v }
        if c.contains(.trustedDeviceLifetime) {
            policy.trustedDeviceLifetime =
                try c.decodeNil(forKey: .trustedDeviceLifetime) ? nil : try duration(.trustedDeviceLifetime)
        }
        if let v = try duration(.sessionIdleTimeout) { policy.sessionIdleTimeout = v }
        if let v = try duration(.sessionAbsoluteLifetime) { policy.sessionAbsoluteLifetime = v }
        if let v = try duration(.sessionActivityInterval) { policy.sessionActivityInterval = v }
        if let v = try duration(.totpStep) { policy.totpStep = v }
        if let v = try count(.totpDigits) { policy.totpDigits = v }
        if let v = try count(.totpAllowedDrift) { policy.totpAllowedDrift = v }
        if let v = try duration(.resetLinkLifetime) { policy.resetLinkLifetime = v }
        if let v = try count(.passwordHistoryCount) { policy.passwordHistoryCount = v }
        if let v = try flag(.resetAsksSecurityQuestion) { policy.resetAsksSecurityQuestion = v }
        if let v = try flag(.requiresSecurityQuestion) { policy.requiresSecurityQuestion = v }
        if let v = try duration(.requestLifetime) { policy.requestLifetime = v }
        if let v = try duration(.secondaryLinkLifetime) { policy.secondaryLinkLifetime = v }
        if let v = try read(HashingCost.self, .hashingCost, #"{"opsLimit": N, "memLimit": bytes}"#) {
            policy.hashingCost = v
        }
        if let v = try read(BlocklistForm.self, .blocklist, #""common" or {"name": …, "words": […]}"#) {
            policy.blocklist = try v.blocklist()
        }
        try policy.validate()
        self = policy
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Setting.self)
        func seconds(_ duration: Duration, _ key: Setting) throws {
            let (whole, attoseconds) = duration.components
            if attoseconds == 0 {
                try c.encode(whole, forKey: key)
            } else {
                try c.encode(duration.timeInterval, forKey: key)
            }
        }
        try c.encode(maxFailedProofs, forKey: .maxFailedProofs)
        try seconds(proofAttemptWindow, .proofAttemptWindow)
        try c.encode(LengthRange(usernameLength), forKey: .usernameLength)
        try c.encode(LengthRange(passwordLength), forKey: .passwordLength)
        try c.encode(passwordRules, forKey: .passwordRules)
        try c.encode(automaticApproval, forKey: .automaticApproval)
        try c.encode(newTaxAdministratorLevel, forKey: .newTaxAdministratorLevel)
        try seconds(activationLinkLifetime, .activationLinkLifetime)
        try c.encode(lockoutThreshold, forKey: .lockoutThreshold)
        try seconds(lockoutDuration, .lockoutDuration)
        try c.encode(allowedTwoStepKinds.map(\.rawValue).sorted(), forKey: .allowedTwoStepKinds)
        try seconds(codeLifetime, .codeLifetime)
        try c.encode(codeMaxFailedAttempts, forKey: .codeMaxFailedAttempts)
        try c.encode(codeMaxSendsPerWindow, forKey: .codeMaxSendsPerWindow)
        try seconds(codeSendWindow, .codeSendWindow)
        try c.encode(codeLockoutThreshold, forKey: .codeLockoutThreshold)
        if let trustedDeviceLifetime {
            try seconds(trustedDeviceLifetime, .trustedDeviceLifetime)
        } else {
            try c.encodeNil(forKey: .trustedDeviceLifetime)
        }
        try seconds(sessionIdleTimeout, .sessionIdleTimeout)
        try seconds(sessionAbsoluteLifetime, .sessionAbsoluteLifetime)
        try seconds(sessionActivityInterval, .sessionActivityInterval)
        try seconds(totpStep, .totpStep)
        try c.encode(totpDigits, forKey: .totpDigits)
        try c.encode(totpAllowedDrift, forKey: .totpAllowedDrift)
        try seconds(resetLinkLifetime, .resetLinkLifetime)
        try c.encode(passwordHistoryCount, forKey: .passwordHistoryCount)
        try c.encode(resetAsksSecurityQuestion, forKey: .resetAsksSecurityQuestion)
        try c.encode(requiresSecurityQuestion, forKey: .requiresSecurityQuestion)
        try seconds(requestLifetime, .requestLifetime)
        try seconds(secondaryLinkLifetime, .secondaryLinkLifetime)
        try c.encode(hashingCost, forKey: .hashingCost)
        try c.encode(BlocklistForm(blocklist), forKey: .blocklist)
    }

    /// Refuses a policy no deployment could run: a count or duration that is zero or negative, a length range that
    /// cannot hold the composition rules, no two-step method, a TOTP step that is not whole seconds.
    ///
    /// ```swift
    /// var policy = Policy.massTaxConnect
    /// policy.lockoutThreshold = 0
    /// try policy.validate()   // throws: field "lockoutThreshold"
    /// ```
    ///
    /// - Throws: ``AccessError/Code/invalidInput`` whose field names the first setting at fault, with its rule.
    public func validate() throws(AccessError) {
        func atLeast(_ minimum: Int, _ value: Int, _ key: Setting, _ rule: String, _ what: String) throws(AccessError) {
            guard value >= minimum else {
                throw AccessError.invalid(
                    key.rawValue, "\(key.rawValue) (RULES \(rule), \(what)) must be at least \(minimum), not \(value).")
            }
        }
        func positive(_ value: Duration, _ key: Setting, _ rule: String) throws(AccessError) {
            guard value > .zero else {
                throw AccessError.invalid(
                    key.rawValue, "\(key.rawValue) (RULES \(rule)) must be a positive duration, not \(value).")
            }
        }
        try atLeast(1, maxFailedProofs, .maxFailedProofs, "R3", "failed proofs")
        try positive(proofAttemptWindow, .proofAttemptWindow, "R3")
        try atLeast(1, usernameLength.lowerBound, .usernameLength, "R5", "the shortest username in characters")
        let shortest = passwordRules == .composition ? 3 : 1
        if passwordLength.upperBound < shortest {
            throw AccessError.invalid(
                "passwordLength",
                "passwordLength (RULES R6) allows at most \(passwordLength.upperBound) characters, too few for an "
                    + "upper-case letter, a lower-case letter and a digit.")
        }
        try atLeast(1, passwordLength.lowerBound, .passwordLength, "R6", "the shortest password in characters")
        guard newTaxAdministratorLevel != .none else {
            throw AccessError.invalid(
                "newTaxAdministratorLevel", "newTaxAdministratorLevel (RULES R11) must grant a level, not none.")
        }
        try positive(activationLinkLifetime, .activationLinkLifetime, "R12")
        try atLeast(1, lockoutThreshold, .lockoutThreshold, "A2", "failures")
        try positive(lockoutDuration, .lockoutDuration, "A2")
        guard !allowedTwoStepKinds.isEmpty else {
            throw AccessError.invalid(
                "allowedTwoStepKinds", "allowedTwoStepKinds (RULES A3) must allow at least one two-step method.")
        }
        try positive(codeLifetime, .codeLifetime, "A4")
        try atLeast(1, codeMaxFailedAttempts, .codeMaxFailedAttempts, "A4", "wrong tries")
        try atLeast(1, codeMaxSendsPerWindow, .codeMaxSendsPerWindow, "A4", "sends")
        try positive(codeSendWindow, .codeSendWindow, "A4")
        try atLeast(1, codeLockoutThreshold, .codeLockoutThreshold, "A4", "wrong codes")
        if let trustedDeviceLifetime { try positive(trustedDeviceLifetime, .trustedDeviceLifetime, "A6") }
        try positive(sessionIdleTimeout, .sessionIdleTimeout, "A7")
        try positive(sessionAbsoluteLifetime, .sessionAbsoluteLifetime, "A7")
        guard sessionActivityInterval >= .zero, sessionActivityInterval < sessionIdleTimeout else {
            throw AccessError.invalid(
                "sessionActivityInterval",
                "sessionActivityInterval (RULES A7) must be at least 0 and shorter than sessionIdleTimeout.")
        }
        try positive(totpStep, .totpStep, "A8")
        guard totpStep.components.attoseconds == 0 else {
            throw AccessError.invalid("totpStep", "totpStep (RULES A8) must be whole seconds, not \(totpStep).")
        }
        guard (6...10).contains(totpDigits) else {
            throw AccessError.invalid(
                "totpDigits", "totpDigits (RULES A8, A4) must be 6 to 10 digits (RFC 4226), not \(totpDigits).")
        }
        guard (0...10).contains(totpAllowedDrift) else {
            throw AccessError.invalid(
                "totpAllowedDrift", "totpAllowedDrift (RULES A8) must be 0 to 10 steps, not \(totpAllowedDrift).")
        }
        try positive(resetLinkLifetime, .resetLinkLifetime, "V2")
        guard (0...100).contains(passwordHistoryCount) else {
            throw AccessError.invalid(
                "passwordHistoryCount",
                "passwordHistoryCount (RULES V2) must be 0 to 100 passwords, not \(passwordHistoryCount).")
        }
        try positive(requestLifetime, .requestLifetime, "X10")
        try positive(secondaryLinkLifetime, .secondaryLinkLifetime, "S2")
        guard hashingCost.opsLimit >= 1, hashingCost.memLimit >= 8192 else {
            throw AccessError.invalid(
                "hashingCost",
                "hashingCost must have opsLimit ≥ 1 and memLimit ≥ 8192 bytes (libsodium's minimum), not "
                    + "opsLimit \(hashingCost.opsLimit), memLimit \(hashingCost.memLimit).")
        }
        if passwordRules == .blocklist, blocklist.count == 0 {
            throw AccessError.invalid("blocklist", "blocklist (RULES R6) is empty under the blocklist rules.")
        }
    }

    /// A duration from a number of seconds, refusing what no `Duration` setting can hold.
    static func duration(seconds: Double, _ key: Setting) throws(AccessError) -> Duration {
        guard seconds.isFinite, abs(seconds) <= longestDuration else {
            throw AccessError.invalid(
                key.rawValue, "The policy setting \(key.rawValue) must be a number of seconds up to 100 years.")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// `{"min": N, "max": N}`.
private struct LengthRange: Codable {
    var min: Int
    var max: Int
    init(_ range: ClosedRange<Int>) {
        min = range.lowerBound
        max = range.upperBound
    }
}

/// `"common"` or `{"name": …, "words": […]}`.
private struct BlocklistForm: Codable {
    var name: String
    var words: [String]?

    init(_ list: PasswordBlocklist) {
        name = list.name
        words = list == .common ? nil : list.words.sorted()
    }

    init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            name = text
            words = nil
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        words = try c.decode([String].self, forKey: .words)
    }

    func encode(to encoder: any Encoder) throws {
        if words == nil {
            var c = encoder.singleValueContainer()
            try c.encode(name)
        } else {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(words, forKey: .words)
        }
    }

    func blocklist() throws(AccessError) -> PasswordBlocklist {
        if let words { return PasswordBlocklist(name: name, words: words) }
        guard name == PasswordBlocklist.common.name else {
            throw AccessError.invalid(
                "blocklist", "The blocklist \"\(name)\" is not shipped: use \"common\" or give its words.")
        }
        return .common
    }

    private enum CodingKeys: String, CodingKey { case name, words }
}

/// Any key, to find the unknown ones.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
