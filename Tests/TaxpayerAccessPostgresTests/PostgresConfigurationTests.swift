#if PostgreSQL
import Testing
import TaxpayerAccess
import TaxpayerAccessPostgres

/// Reading a `postgres://` URL: no server needed.
@Suite("PostgreSQL configuration")
struct PostgresConfigurationTests {
    @Test(
        "sslmode: libpq's verifying modes mean require; an unknown mode is refused, never weakened to prefer",
        arguments: [
            ("disable", PostgresStoreConfiguration.TLSMode.disable), ("prefer", .prefer), ("require", .require),
            ("verify-ca", .require), ("verify-full", .require),
        ])
    func sslMode(value: String, expected: PostgresStoreConfiguration.TLSMode) throws {
        let configuration = try PostgresStoreConfiguration(
            url: "postgres://u:secret@db.example:5432/access?sslmode=\(value)")
        #expect(configuration.tls == expected)
    }

    @Test("a misspelt sslmode stops the start with an error naming sslmode and not the password")
    func unknownSSLMode() {
        #expect {
            try PostgresStoreConfiguration(url: "postgres://u:secret@db.example/access?sslmode=verify_full")
        } throws: { error in
            let text = "\(error)"
            return text.contains("sslmode") && !text.contains("secret")
        }
    }
}
#endif
