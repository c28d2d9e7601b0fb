// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "TaxpayerAccess",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TaxpayerAccess", targets: ["TaxpayerAccess"]),
        .library(name: "TaxpayerAccessInMemory", targets: ["TaxpayerAccessInMemory"]),
        .library(name: "TaxpayerAccessTesting", targets: ["TaxpayerAccessTesting"]),
        .executable(name: "taxpayer-access", targets: ["TaxpayerAccessCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .executableTarget(
            name: "TaxpayerAccessCLI",
            dependencies: [
                "TaxpayerAccess", "TaxpayerAccessInMemory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TaxpayerAccessTests", dependencies: ["TaxpayerAccess", "TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(name: "TaxpayerAccessInMemoryTests", dependencies: ["TaxpayerAccessInMemory", "TaxpayerAccessTesting"]),
        .testTarget(name: "TaxpayerAccessTestingTests", dependencies: ["TaxpayerAccessTesting", "TaxpayerAccessInMemory"]),
        .testTarget(name: "TaxpayerAccessCLITests", dependencies: ["TaxpayerAccessCLI", "TaxpayerAccess"]),
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
