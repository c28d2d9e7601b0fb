import Foundation
import Testing
@testable import TaxpayerAccess
import TaxpayerAccessInMemory
import TaxpayerAccessTesting

@Suite("Access: third-party request parity (X2)")
struct RequestParityTests {
    // X2: a wrong legal name and an unknown ID number do the same store work before the same refusal, so neither
    // the answer nor the work behind it tells the requester that the ID exists.
    @Test func wrongNameAndUnknownIDReadTheSame() async throws {
        let cast = try await Cast.make()
        let base = cast.world.portal.context
        let store = LoggingStore(wrapping: base.store)
        let context = ServiceContext(
            store: store, directory: base.directory, clock: base.clock, random: base.random, hasher: base.hasher,
            policy: base.policy, keys: base.keys, links: base.links)
        let service = ThirdPartyAccess(context: context)
        let token = try await cast.token(Cast.parent)
        var logs: [[String]] = []
        var errors: [AccessError] = []
        for (number, name) in [("987654321", "Chris Brown"), ("555555555", "Chris O'Brien-Smith")] {
            store.reset()
            do {
                _ = try await service.requestAccess(
                    token, idType: .ssn, idNumber: number, legalName: name, accounts: ["AP1": .viewOnly],
                    channel: .online)
            } catch let error as AccessError { errors.append(error) }
            logs.append(store.calls)
        }
        #expect(errors.count == 2 && errors[0] == errors[1] && errors[0].message == errors[1].message)
        #expect(logs[0] == logs[1], "wrong name: \(logs[0]) vs unknown ID: \(logs[1])")
    }
}
