#if PostgreSQL
import TaxpayerAccess
import TaxpayerAccessPostgres

/// The PostgreSQL store of a `--database postgres://…` URL (TLS as the URL's `sslmode` says, `prefer` if it says
/// nothing; Documentation/Operations.md, PostgreSQL).
///
/// - Throws: ``StoreError`` for a URL that is not one or a server that refuses.
func openPostgresStore(url: String) async throws -> any AccessStore {
    try await PostgresAccessStore(configuration: try PostgresStoreConfiguration(url: url))
}
#else
import TaxpayerAccess

/// A build without the `PostgreSQL` trait has no PostgreSQL store: the refusal names the option and the trait.
///
/// - Throws: ``CLIError`` always.
func openPostgresStore(url: String) async throws -> any AccessStore {
    throw CLIError(
        "--database: a postgres:// URL needs taxpayer-access built with the PostgreSQL trait "
            + "(swift build --traits PostgreSQL)")
}
#endif
