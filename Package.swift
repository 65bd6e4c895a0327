// swift-tools-version: 6.1
import PackageDescription

let settings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let nio = "swift-nio"
func lib(_ name: String, _ deps: [Target.Dependency]) -> Target {
    // Each module folder carries a README.md explaining its role; it is not a resource.
    .target(name: name, dependencies: deps, exclude: ["README.md"], swiftSettings: settings)
}

let package = Package(
    name: "Berth",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "berthd", targets: ["berthd"]),
        .executable(name: "berth", targets: ["berth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // Micro-benchmarks only (bench/Micro).
        .package(url: "https://github.com/google/swift-benchmark", from: "0.1.2"),
    ],
    targets: [
        // Only what Swift cannot import by itself: kernel UAPI headers and namespace syscalls.
        .target(name: "CBerth"),
        // libnftables (Debian libnftables-dev), for the firewall layer.
        .systemLibrary(name: "CNFTables", pkgConfig: "libnftables"),
        lib("BerthCore", ["CBerth"]),
        lib("BerthNetlink", ["BerthCore", "CBerth", .product(name: "NIOPosix", package: nio)]),
        lib("BerthIPAM", ["BerthCore"]),
        lib("BerthStore", ["BerthCore", .product(name: "GRDB", package: "GRDB.swift")]),
        lib("BerthDNS", [
            "BerthCore", .product(name: "NIOCore", package: nio), .product(name: "NIOPosix", package: nio),
        ]),
        lib("BerthFirewall", ["BerthCore", "CNFTables"]),
        lib("BerthRuntime", ["BerthCore", "CBerth", .product(name: "NIOPosix", package: nio)]),
        lib("BerthImage", ["BerthCore", "CBerth", .product(name: "NIOPosix", package: nio)]),
        lib("BerthDHCP", ["BerthCore"]),
        // The cluster store for multi-host networks: etcd v3 over its JSON gateway (NIOHTTP1).
        lib("BerthCluster", [
            "BerthCore", "BerthAPI", .product(name: "NIOCore", package: nio), .product(name: "NIOPosix", package: nio),
            .product(name: "NIOHTTP1", package: nio),
        ]),
        // Legacy (v1) plugins: discovery, activation and calls over HTTP on unix sockets or TCP.
        lib("BerthPlugins", [
            "BerthCore", "BerthAPI", .product(name: "NIOCore", package: nio), .product(name: "NIOPosix", package: nio),
            .product(name: "NIOHTTP1", package: nio),
        ]),
        lib("BerthNetwork", [
            "BerthCore", "BerthNetlink", "BerthIPAM", "BerthStore", "BerthDNS", "BerthFirewall", "BerthDHCP", "BerthCluster", "BerthPlugins",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: nio),
        ]),
        lib("BerthContainers", [
            "BerthCore", "BerthStore", "BerthNetwork", "BerthRuntime", "BerthImage", "BerthDNS",
            .product(name: "Logging", package: "swift-log"),
        ]),
        lib("BerthAPI", ["BerthCore"]),
        lib("BerthEngine", [
            "BerthCore", "BerthAPI", "BerthNetwork", "BerthIPAM", "BerthStore", "BerthNetlink", "BerthImage", "BerthRuntime", "BerthContainers",
            "BerthFirewall", "BerthDHCP", "BerthCluster", "BerthPlugins", .product(name: "NIOCore", package: nio),
            .product(name: "NIOPosix", package: nio),
            .product(name: "NIOHTTP1", package: nio),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        lib("BerthCLI", [
            "BerthCore", "BerthAPI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "NIOCore", package: nio),
            .product(name: "NIOPosix", package: nio),
            .product(name: "NIOHTTP1", package: nio),
        ]),
        .executableTarget(
            name: "berthd",
            dependencies: ["BerthEngine", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings),
        .executableTarget(name: "berth", dependencies: ["BerthCLI"], swiftSettings: settings),
        // In-process micro-benchmarks (bench/README.md); `make bench` runs them.
        .executableTarget(
            name: "berth-microbench", dependencies: [
                "BerthCore", "BerthIPAM", "BerthAPI", "BerthFirewall", "BerthNetwork", "BerthDNS", "BerthNetlink",
                .product(name: "Benchmark", package: "swift-benchmark"),
            ],
            path: "bench/Micro",
            swiftSettings: settings),
        .testTarget(
            name: "BerthUnitTests",
            dependencies: [
                "BerthCore", "BerthNetlink", "BerthIPAM", "BerthStore", "BerthNetwork", "BerthAPI",
                "BerthEngine", "BerthCLI", "BerthRuntime", "BerthImage", "BerthContainers", "BerthDNS",
                "BerthFirewall", "BerthDHCP", "BerthCluster", "BerthPlugins", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: settings),
        .testTarget(
            name: "BerthIntegrationTests",
            dependencies: [
                "BerthCore", "BerthAPI", "BerthNetlink", "BerthRuntime", "BerthImage", "BerthNetwork", "BerthStore", "BerthDNS",
                "BerthFirewall", "BerthCluster", .product(name: "NIOPosix", package: nio), .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["Tools"], swiftSettings: settings),
    ]
)
