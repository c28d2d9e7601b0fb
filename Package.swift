// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "TaxpayerAccess",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TaxpayerAccess", targets: ["TaxpayerAccess"]),
        .library(name: "TaxpayerAccessInMemory", targets: ["TaxpayerAccessInMemory"]),
        .library(name: "TaxpayerAccessTesting", targets: ["TaxpayerAccessTesting"]),
        .library(name: "TaxpayerAccessSQLite", targets: ["TaxpayerAccessSQLite"]),
        .library(name: "TaxpayerAccessSendmail", targets: ["TaxpayerAccessSendmail"]),
        .executable(name: "taxpayer-access", targets: ["TaxpayerAccessCLI"]),
        // The PostgreSQL store; its code builds only with `--traits PostgreSQL`.
        .library(name: "TaxpayerAccessPostgres", targets: ["TaxpayerAccessPostgres"]),
        .library(name: "TaxpayerAccessObservability", targets: ["TaxpayerAccessObservability"]),
        // The HTTP layer on Hummingbird 2; its code builds only with `--traits HTTP`.
        .library(name: "TaxpayerAccessHummingbird", targets: ["TaxpayerAccessHummingbird"]),
    ],
    traits: [
        // Off by default: users of the embedded default never build postgres-nio, swift-nio or swift-crypto.
        .trait(name: "PostgreSQL", description: "The PostgreSQL store (TaxpayerAccessPostgres) through postgres-nio."),
        // Off by default: users of the core never build Hummingbird or swift-nio.
        .trait(name: "HTTP", description: "The HTTP layer (TaxpayerAccessHummingbird) and `taxpayer-access serve`."),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The harness's and server's settings: command line, environment, JSON file (default trait JSON only).
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // The HTTP layer (trait `HTTP`); swift-configuration support is left out, nothing here reads it.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // `swift package generate-documentation`: builds the DocC catalog (CI runs it with warnings as errors).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // Logs and metrics (TaxpayerAccessObservability); swift-log also serves the HTTP layer.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // `serve`'s `GET /metrics` (trait `HTTP`): the Prometheus text exposition of the swift-metrics counters.
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"]), .brew(["libsodium"]), .yum(["libsodium-devel"])]
        ),
        .target(
            name: "TaxpayerAccess",
            dependencies: ["CSodium"],
            resources: [.process("Resources")]
        ),
        .target(name: "TaxpayerAccessInMemory", dependencies: ["TaxpayerAccess"]),
        .target(name: "TaxpayerAccessTesting", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"]),
        .target(
            name: "TaxpayerAccessSQLite",
            dependencies: ["TaxpayerAccess", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Several processes on one shared database; empty unless the `PostgreSQL` trait is on.
        .target(
            name: "TaxpayerAccessPostgres",
            dependencies: [
                "TaxpayerAccess",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
            ]
        ),
        // The HTTP layer: routes, session middleware, problem+json errors; empty unless the `HTTP` trait is on.
        .target(
            name: "TaxpayerAccessHummingbird",
            dependencies: [
                "TaxpayerAccess",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HTTP"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["HTTP"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["HTTP"])),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        // Mail through the system's `sendmail -t -oi` (Foundation's Process only: no package).
        .target(name: "TaxpayerAccessSendmail", dependencies: ["TaxpayerAccess"]),
        .target(
            name: "TaxpayerAccessObservability",
            dependencies: [
                "TaxpayerAccess", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]),
        // Test helper only: the child process the SQLite crash test starts and kills (not a product).
        .executableTarget(name: "SQLiteCrashTestChild", dependencies: ["TaxpayerAccessSQLite"]),
        .executableTarget(
            name: "TaxpayerAccessCLI",
            dependencies: [
                "TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessSQLite", "TaxpayerAccessSendmail",
                // `--database postgres://…`; empty unless the `PostgreSQL` trait is on.
                "TaxpayerAccessPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                // `serve` (trait `HTTP` only).
                .target(name: "TaxpayerAccessHummingbird", condition: .when(traits: ["HTTP"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HTTP"])),
                .product(
                    name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["HTTP"])),
                .product(name: "UnixSignals", package: "swift-service-lifecycle", condition: .when(traits: ["HTTP"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["HTTP"])),
                // `serve`'s metrics: the observers, and the registry `GET /metrics` serves (trait `HTTP` only).
                .target(name: "TaxpayerAccessObservability", condition: .when(traits: ["HTTP"])),
                .product(name: "CoreMetrics", package: "swift-metrics", condition: .when(traits: ["HTTP"])),
                .product(name: "Prometheus", package: "swift-prometheus", condition: .when(traits: ["HTTP"])),
            ]
        ),
        .executableTarget(
            name: "ThirdPartyAccess",
            dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting"],
            path: "Examples/ThirdPartyAccess"),
        .executableTarget(
            name: "FirmSecurityGroups",
            dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting"],
            path: "Examples/FirmSecurityGroups"),
        .executableTarget(
            name: "CreateLogon", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"],
            path: "Examples/CreateLogon"),
        // The README's usage snippet, word for word (a test keeps the two the same and runs it).
        .executableTarget(
            name: "ReadmeSnippet", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"],
            path: "Examples/ReadmeSnippet"),
        .executableTarget(
            name: "RecoverPassword", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"],
            path: "Examples/RecoverPassword"),
        // The agency's review over HTTP (trait `HTTP`; without it the program says so and exits).
        .executableTarget(
            name: "AgencyReviewHTTP",
            dependencies: [
                "TaxpayerAccess", "TaxpayerAccessInMemory",
                .target(name: "TaxpayerAccessHummingbird", condition: .when(traits: ["HTTP"])),
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HTTP"])),
                .product(
                    name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["HTTP"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["HTTP"])),
            ],
            path: "Examples/AgencyReviewHTTP"),
        .testTarget(
            name: "TaxpayerAccessTests",
            dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(
            name: "TaxpayerAccessInMemoryTests", dependencies: ["TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(
            name: "TaxpayerAccessTestingTests", dependencies: ["TaxpayerAccessTesting", "TaxpayerAccessInMemory"]),
        .testTarget(
            name: "TaxpayerAccessSQLiteTests",
            dependencies: [
                "TaxpayerAccessSQLite", "TaxpayerAccessTesting", "TaxpayerAccessInMemory",
                .product(name: "GRDB", package: "GRDB.swift"),
                // Built with the tests so the crash test finds the child next to the test bundle.
                "SQLiteCrashTestChild",
            ]
        ),
        .testTarget(
            name: "TaxpayerAccessSendmailTests",
            dependencies: ["TaxpayerAccessSendmail", "TaxpayerAccessTesting", "TaxpayerAccessInMemory"]),
        // Skipped, in one printed line, without TAXPAYER_ACCESS_POSTGRES_URL; empty unless the `PostgreSQL` trait is on.
        .testTarget(
            name: "TaxpayerAccessPostgresTests",
            dependencies: [
                "TaxpayerAccessPostgres", "TaxpayerAccessTesting", "TaxpayerAccess", "TaxpayerAccessInMemory",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: .when(traits: ["PostgreSQL"])),
            ]),
        // Real HTTP on loopback; empty unless the `HTTP` trait is on.
        .testTarget(
            name: "TaxpayerAccessHummingbirdTests",
            dependencies: [
                "TaxpayerAccessHummingbird", "TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting",
                .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["HTTP"])),
                .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["HTTP"])),
                .product(name: "Logging", package: "swift-log", condition: .when(traits: ["HTTP"])),
                .product(name: "HTTPTypes", package: "swift-http-types", condition: .when(traits: ["HTTP"])),
            ]),
        // Runs the built `taxpayer-access`; SQLite to set up a printed-form request on a test's database file.
        .testTarget(
            name: "TaxpayerAccessObservabilityTests",
            dependencies: [
                "TaxpayerAccessObservability", "TaxpayerAccessTesting", "TaxpayerAccess", "TaxpayerAccessInMemory",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]),
        .testTarget(
            name: "TaxpayerAccessCLITests",
            dependencies: ["TaxpayerAccessCLI", "TaxpayerAccess", "TaxpayerAccessSQLite"]),
        // Runs each built example and checks the outcomes its story must reach; the dependencies only make SwiftPM
        // build the examples next to the test bundle.
        .testTarget(
            name: "ExamplesTests",
            dependencies: [
                "CreateLogon", "RecoverPassword", "ThirdPartyAccess", "FirmSecurityGroups", "ReadmeSnippet",
                "AgencyReviewHTTP",
            ]),
    ]
)

// One loop applies the project's language settings to every target that compiles Swift (the system library CSodium
// compiles nothing). Warnings are errors in CI, not here: `.ci/run` builds with `-Xswiftc -warnings-as-errors`, which
// SwiftPM applies to this package's targets only and drops for remote dependencies. `.treatAllWarnings(as: .error)`
// (SE-0480) is left out on purpose: Xcode builds a dependency with `-suppress-warnings`, and the two together stop the
// build ("conflicting options"), so it would break the apps that depend on this package.
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []

    // https://www.swift.org/migration/documentation/migrationguide/
    // Swift 6 language mode: complete concurrency checking, data races are compile errors, not warnings.
    settings.append(.swiftLanguageMode(.v6))

    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0335-existential-any.md
    // Require `any` for existential types, so the cost of a protocol-typed value is visible where it is used.
    settings.append(.enableUpcomingFeature("ExistentialAny"))

    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0409-access-level-on-imports.md
    // Imports are internal unless marked `public import`: no dependency leaks into the public API by accident.
    settings.append(.enableUpcomingFeature("InternalImportsByDefault"))

    // https://github.com/swiftlang/swift-evolution/blob/main/proposals/0444-member-import-visibility.md
    // A file sees members of a module only if it imports that module itself, not because another file did.
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))

    target.swiftSettings = settings
}
