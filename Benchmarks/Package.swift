// swift-tools-version: 6.1
// Benchmarks of the permission resolver at a state tax agency's scale (issue 6, Documentation/Benchmarks.md).
// Run from this directory: `swift package benchmark`. Kept out of the root package so the library's users never
// fetch package-benchmark.
import PackageDescription

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    traits: [
        // Off by default, so CI's benchmarks build never compiles postgres-nio: `swift package --traits PostgreSQL
        // benchmark --target StoreBenchmarks` adds the PostgreSQL rows (with TAXPAYER_ACCESS_POSTGRES_URL set).
        .trait(name: "PostgreSQL", description: "StoreBenchmarks on PostgreSQL beside SQLite.")
    ],
    dependencies: [
        .package(
            name: "TaxpayerAccess", path: "../",
            traits: [.trait(name: "PostgreSQL", condition: .when(traits: ["PostgreSQL"]))]),
        // Only to create a fresh database per run; the root package resolves it anyway.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // MallocInterposer counts allocations without jemalloc (not installed on the benchmark machine).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // What ResolverBenchmarks and ResolverProfile both ask: the cold questions and their floor (issue 12).
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "TaxpayerAccess", package: "TaxpayerAccess")],
            path: "Shared/BenchmarkSupport",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
        .executableTarget(
            name: "ResolverBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TaxpayerAccess", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessInMemory", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessTesting", package: "TaxpayerAccess"),
            ],
            path: "Benchmarks/ResolverBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Authenticated requests on SQLite: the session's activity written every request, or once a minute.
        .executableTarget(
            name: "PortalBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TaxpayerAccess", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessInMemory", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessSQLite", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessTesting", package: "TaxpayerAccess"),
            ],
            path: "Benchmarks/PortalBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Commits per second (1 and 8 writers) and `changes(after:)` catch-up, SQLite and (trait) PostgreSQL.
        .executableTarget(
            name: "StoreBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TaxpayerAccess", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessSQLite", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessTesting", package: "TaxpayerAccess"),
                .product(
                    name: "TaxpayerAccessPostgres", package: "TaxpayerAccess",
                    condition: .when(traits: ["PostgreSQL"])),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
            ],
            path: "Benchmarks/StoreBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a benchmark: a plain executable to run under callgrind or perf when a target is missed.
        .executableTarget(
            name: "ResolverProfile",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "TaxpayerAccessTesting", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccess", package: "TaxpayerAccess"),
                .product(name: "TaxpayerAccessInMemory", package: "TaxpayerAccess"),
            ],
            path: "Tools/ResolverProfile",
            swiftSettings: [.swiftLanguageMode(.v6)]
        ),
    ]
)
