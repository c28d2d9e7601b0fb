// The libFuzzer target over the snapshot reader (AccessSnapshot.decode) and the `check` question reader
// (QuestionAnswerer), built and run by Scripts/fuzz.sh, never by SwiftPM. Each input is read both ways: as a whole
// document, and line by line as questions against the snapshot format's example. A crash, a hang or a broken
// invariant below is a finding; each becomes a case of the tests' tables (SnapshotFieldRuleTests,
// QuestionLineTests) and gets fixed.
import Foundation
import TaxpayerAccess

/// The example document of Documentation/SnapshotFormat.md, for the questions.
let exampleDocument = #"""
    {"format": "taxpayer-access-snapshot/1",
     "taxpayers": [
       {"id": "T1", "idType": "FEIN", "idNumber": "041234567", "legalName": "Acme Payroll LLC", "kind": "business",
        "accounts": [{"id": "A1", "type": "withholding", "status": "active"},
                     {"id": "A2", "type": "salesAndUse", "status": "closed"}]},
       {"id": "T9", "idType": "SSN", "idNumber": "123456789", "legalName": "Pat Client", "kind": "individual",
        "accounts": [{"id": "A90", "type": "withholding", "status": "active"},
                     {"id": "A91", "type": "personalIncome", "status": "active"}]}],
     "logons": [
       {"id": "L1", "username": "acme.owner", "email": "owner@acme.example", "status": "active",
        "clientManagement": true},
       {"id": "L2", "username": "acme.clerk", "email": "clerk@acme.example", "status": "active",
        "clientManagement": false,
        "secondary": {"parent": "L1", "role": "taxAdministrator", "level": "fileAndPay", "groups": ["G2"],
                      "accountTypes": ["withholding"]}},
       {"id": "L3", "username": "pat.client", "email": "pat@client.example", "status": "active",
        "clientManagement": false}],
     "roles": [{"logon": "L1", "taxpayer": "T1", "role": "masterAdministrator"},
               {"logon": "L3", "taxpayer": "T9", "role": "masterAdministrator"}],
     "thirdPartyGrants": [{"taxpayer": "T9", "thirdParty": "L1", "accounts": {"A90": "fileAndPay", "A91": "viewOnly"}}],
     "securityGroups": [{"id": "G1", "parent": "L1", "name": "Default", "isDefault": true},
                        {"id": "G2", "parent": "L1", "name": "Payroll clients", "isDefault": false}],
     "groupAssignments": [{"parent": "L1", "taxpayer": "T9", "group": "G2"}],
     "refinements": [{"secondary": "L2", "taxpayer": "T9", "accounts": {"A91": "none"}}]}
    """#

let answerer = QuestionAnswerer(
    resolver: AccessResolver(snapshot: try! AccessSnapshot.decode(from: Data(exampleDocument.utf8))))

/// Stops the run with `message` (libFuzzer keeps the input that did it).
func finding(_ message: String) -> Never {
    FileHandle.standardError.write(Data("finding: \(message)\n".utf8))
    abort()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = start.map { Data(bytes: $0, count: count) } ?? Data()

    // The strict pass never accepts what a JSON parser refuses.
    let strict = (try? StrictJSON.check(data)) != nil
    if strict, (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) == nil {
        finding("the strict pass accepted text JSONSerialization refuses")
    }

    // The snapshot reader: a refusal is a SnapshotError with a JSON path; a document it accepts encodes to one it
    // accepts again, equal to the first in canonical order.
    do {
        let snapshot = try AccessSnapshot.decode(from: data)
        let again = try AccessSnapshot.decode(from: snapshot.encoded())
        if again != snapshot.normalized() { finding("decode ∘ encode changed an accepted document") }
        _ = AccessResolver(snapshot: snapshot).clients(of: snapshot.logons.first?.id ?? "L1")
    } catch let error as SnapshotError {
        if !error.path.hasPrefix("$") { finding("an error without a JSON path: \(error)") }
        if strict, error.path == "$", error.message == "not valid JSON" {
            finding("the strict pass accepted text JSONDecoder refuses")
        }
    } catch {
        finding("an error that is not a SnapshotError: \(error)")
    }

    // The question reader: every non-blank line gets one answer, itself a JSON object.
    let text = String(decoding: data, as: UTF8.self)
    for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        guard let answer = answerer.answer(String(line), number: number + 1) else { continue }
        guard (try? JSONSerialization.jsonObject(with: Data(answer.utf8))) is [String: Any] else {
            finding("an answer that is not a JSON object: \(answer)")
        }
    }
    return 0
}
