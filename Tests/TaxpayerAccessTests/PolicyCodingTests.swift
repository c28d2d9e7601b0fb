import Foundation
import Testing
@testable import TaxpayerAccess

/// The policy's JSON form: a preset plus overrides, every duration in seconds, every refusal naming its setting.
@Suite("Policy: JSON form and validation")
struct PolicyCodingTests {
    func decode(_ json: String) throws(AccessError) -> Policy { try Policy.decode(json: Data(json.utf8)) }

    @Test(
        "both presets pass validation and round-trip through JSON whole", arguments: ["massTaxConnect", "nist80063b"])
    func presetsRoundTrip(name: String) throws {
        let preset = try #require(Policy.presets[name])
        try preset.validate()
        let data = try JSONEncoder().encode(preset)
        #expect(try Policy.decode(json: data) == preset)
        #expect(try decode(#"{"preset": "\#(name)"}"#) == preset)
    }

    // A4: the code lockout exists with its default in both presets (lock after 5 wrong codes).
    @Test func codeLockoutThresholdDefaultsToFive() {
        #expect(Policy.massTaxConnect.codeLockoutThreshold == 5)
        #expect(Policy.nist80063b.codeLockoutThreshold == 5)
    }

    // A8: one unit for durations: the TOTP step is a Duration like every other, 30 seconds.
    @Test func totpStepIsADuration() throws {
        #expect(Policy.massTaxConnect.totpStep == .seconds(30))
        let totp = TOTP(secret: [1, 2, 3], period: Policy.massTaxConnect.totpStep)
        #expect(totp.period == 30)
    }

    @Test("durations are seconds in JSON; counts and lengths are plain numbers")
    func units() throws {
        let json = try #require(
            try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Policy.massTaxConnect)) as? [String: Any])
        #expect(json["lockoutDuration"] as? Int == 15 * 60)  // A2
        #expect(json["sessionIdleTimeout"] as? Int == 30 * 60)  // A7
        #expect(json["totpStep"] as? Int == 30)  // A8
        #expect(json["codeLockoutThreshold"] as? Int == 5)  // A4
        #expect((json["passwordLength"] as? [String: Int]) == ["min": 8, "max": 15])  // R6
        #expect(json["blocklist"] as? String == "common")
        #expect(json["preset"] == nil, "encoding writes every setting, not a preset")
        #expect(Set(json.keys) == Set(Policy.Setting.allCases.map(\.rawValue)).subtracting(["preset"]))
    }

    @Test("a preset plus overrides; no preset means MassTaxConnect")
    func presetPlusOverrides() throws {
        var expected = Policy.nist80063b
        expected.lockoutThreshold = 3
        expected.sessionIdleTimeout = .seconds(900)
        expected.trustedDeviceLifetime = nil
        expected.allowedTwoStepKinds = [.authenticator]
        let policy = try decode(
            #"""
            {"preset": "nist80063b", "lockoutThreshold": 3, "sessionIdleTimeout": 900, "trustedDeviceLifetime": null,
             "allowedTwoStepKinds": ["authenticator"]}
            """#)
        #expect(policy == expected)
        var mass = Policy.massTaxConnect
        mass.codeLifetime = .milliseconds(90_500)
        mass.usernameLength = 5...40
        #expect(try decode(#"{"codeLifetime": 90.5, "usernameLength": {"min": 5, "max": 40}}"#) == mass)
    }

    @Test(
        "a bad setting is refused with an error naming it (R3, R5, R6, R11, A2, A3, A4, A6, A8, V2)",
        arguments: [
            (#"{"lockoutTreshold": 3}"#, "lockoutTreshold", "not a policy setting"),
            (#"{"preset": "strict"}"#, "preset", "massTaxConnect or nist80063b"),
            (#"{"lockoutThreshold": "three"}"#, "lockoutThreshold", "a whole number"),
            (#"{"lockoutThreshold": 0}"#, "lockoutThreshold", "at least 1"),
            (#"{"codeLockoutThreshold": -1}"#, "codeLockoutThreshold", "RULES A4"),
            (#"{"maxFailedProofs": 0}"#, "maxFailedProofs", "RULES R3"),
            (#"{"activationLinkLifetime": -60}"#, "activationLinkLifetime", "positive duration"),
            (#"{"codeLifetime": 0}"#, "codeLifetime", "RULES A4"),
            (#"{"trustedDeviceLifetime": -1}"#, "trustedDeviceLifetime", "RULES A6"),
            (#"{"sessionIdleTimeout": "30m"}"#, "sessionIdleTimeout", "a number of seconds"),
            (#"{"lockoutDuration": 1e30}"#, "lockoutDuration", "up to 100 years"),
            (#"{"passwordLength": {"min": 1, "max": 2}}"#, "passwordLength", "too few"),
            (
                #"{"passwordLength": {"min": 0, "max": 20}, "passwordRules": "blocklist"}"#, "passwordLength",
                "at least 1"
            ),
            (#"{"passwordLength": {"min": 9, "max": 8}}"#, "passwordLength", "above max"),
            (#"{"usernameLength": [3, 60]}"#, "usernameLength", #"{"min": N, "max": N}"#),
            (#"{"passwordRules": "nist"}"#, "passwordRules", "composition or blocklist"),
            (#"{"newTaxAdministratorLevel": "none"}"#, "newTaxAdministratorLevel", "RULES R11"),
            (#"{"allowedTwoStepKinds": []}"#, "allowedTwoStepKinds", "at least one"),
            (#"{"allowedTwoStepKinds": ["sms"]}"#, "allowedTwoStepKinds", "authenticator, text and email"),
            (#"{"totpStep": 30.5}"#, "totpStep", "whole seconds"),
            (#"{"totpDigits": 4}"#, "totpDigits", "6 to 10"),
            (#"{"totpAllowedDrift": -1}"#, "totpAllowedDrift", "0 to 10"),
            (#"{"passwordHistoryCount": -1}"#, "passwordHistoryCount", "RULES V2"),
            (#"{"hashingCost": {"opsLimit": 0, "memLimit": 8192}}"#, "hashingCost", "opsLimit"),
            (#"{"blocklist": "rockyou"}"#, "blocklist", "not shipped"),
            (#"[1, 2]"#, "policy", "not a JSON object"),
            ("not json", "policy", "not a JSON object"),
        ])
    func badSettingsNameTheField(json: String, field: String, fragment: String) {
        do {
            _ = try decode(json)
            Issue.record("\(json) was accepted")
        } catch {
            #expect(error.code == .invalidInput)
            #expect(error.field == field, "\(error)")
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test(
        "validate() refuses an impossible policy built in code, naming the field (A7, R6)",
        arguments: ["sessionAbsoluteLifetime", "passwordLength"])
    func validateInCode(field: String) {
        var policy = Policy.massTaxConnect
        if field == "sessionAbsoluteLifetime" { policy.sessionAbsoluteLifetime = .seconds(-1) }
        if field == "passwordLength" { policy.passwordLength = 1...2 }
        do {
            try policy.validate()
            Issue.record("validate() accepted an impossible \(field)")
        } catch {
            #expect(error.field == field, "\(error)")
        }
    }

    @Test("the documented example file names every setting, with the MassTaxConnect defaults")
    func documentedExample() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Documentation/policy-example.json")
        let data = try Data(contentsOf: file)
        #expect(try Policy.decode(json: data) == .massTaxConnect)
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys
        #expect(Set(keys) == Set(Policy.Setting.allCases.map(\.rawValue)), "every setting is shown")
    }

    @Test("a custom blocklist round-trips with its words")
    func customBlocklist() throws {
        var policy = Policy.nist80063b
        policy.blocklist = PasswordBlocklist(name: "agency", words: ["masstax2026", "letmein"])
        let decoded = try Policy.decode(json: try JSONEncoder().encode(policy))
        #expect(decoded.blocklist == policy.blocklist)
        #expect(decoded.blocklist.contains("LetMeIn"))
    }
}
