// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "TaxpayerAccess",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TaxpayerAccess", targets: ["TaxpayerAccess"]),
        .library(name: "TaxpayerAccessInMemory", targets: ["TaxpayerAccessInMemory"]),
        .library(name: "TaxpayerAccessTesting", targets: ["TaxpayerAccessTesting"]),
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
        .executableTarget(name: "CreateLogon", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"], path: "Examples/CreateLogon"),
        .executableTarget(name: "RecoverPassword", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory"], path: "Examples/RecoverPassword"),
        .testTarget(name: "TaxpayerAccessTests", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(name: "TaxpayerAccessInMemoryTests", dependencies: ["TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(name: "TaxpayerAccessTestingTests", dependencies: ["TaxpayerAccessTesting", "TaxpayerAccessInMemory"]),
    ]
)

// One loop applies the project's language settings to every target (DESIGN.md, Conventions).
for target in package.targets where target.type != .system {
    var settings = target.swiftSettings ?? []
    settings += [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
    target.swiftSettings = settings
}
