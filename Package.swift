// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "swift-pdp",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pdp", targets: ["PDPCommand"]),
        .library(name: "PDPCore", targets: ["PDPCore"]),
        .library(name: "PDPPolicyYAML", targets: ["PDPPolicyYAML"]),
        .library(name: "PDPWire", targets: ["PDPWire"]),
        .library(name: "PDPServer", targets: ["PDPServer"]),
        .library(name: "PDPLoad", targets: ["PDPLoad"]),
        .library(name: "PDPStore", targets: ["PDPStore"]),
        .library(name: "PDPFacts", targets: ["PDPFacts"]),
        // ---- task app and Swift client (issue #12) ----
        .library(name: "PDPClient", targets: ["PDPClient"]),
        .library(name: "TaskManager", targets: ["TaskManager"]),
        .executable(name: "task-manager", targets: ["TaskManagerCommand"]),
        // ---- end task app and Swift client ----
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // ---- task app and Swift client (issue #12); `pdp` links none of these ----
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        // ---- end task app and Swift client ----
    ],
    targets: [
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // epoll and prctl for `pdp load`'s generator threads (Swift's Glibc module leaves them out).
        .systemLibrary(name: "CLinux"),
        // Pure policy engine: standard library only.
        .target(name: "PDPCore", swiftSettings: strict),
        .target(name: "PDPPolicyYAML", dependencies: ["PDPCore", "CLibYAML"], swiftSettings: strict),
        // Durable facts journal: PDPCore only, no NIO.
        .target(
            name: "PDPStore",
            dependencies: ["PDPCore", .product(name: "HashTreeCollections", package: "swift-collections")],
            swiftSettings: strict
        ),
        // The facts store many sidecars share: PostgreSQL through PostgresNIO, behind the
        // same FactsStorage protocol as the local journal (which stays free of NIO).
        .target(
            name: "PDPStorePostgres",
            dependencies: [
                "PDPCore", "PDPStore", "PDPWire",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Facts rules without NIO: writes and their checks, the catalog REST reads answer
        // from, sorted listings, stable ids, effective facts. PDPServer is its HTTP adapter.
        .target(
            name: "PDPFacts",
            dependencies: [
                "PDPCore", "PDPStore",
                .product(name: "HashTreeCollections", package: "swift-collections"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "PDPWire", dependencies: [.product(name: "NIOCore", package: "swift-nio")], swiftSettings: strict),
        .target(
            name: "PDPServer",
            dependencies: [
                "PDPCore", "PDPWire", "PDPStore", "PDPFacts",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Load generator for any Permit-compatible PDP (`pdp load`).
        .target(
            name: "PDPLoad",
            dependencies: [
                "PDPCore", "PDPPolicyYAML", "PDPWire", "CLinux",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "PDPCommand",
            dependencies: [
                "PDPCore", "PDPPolicyYAML", "PDPServer", "PDPLoad", "PDPStore", "PDPFacts", "PDPStorePostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // One seeded generator for the property and fuzz tests of every target.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "PDPCoreTests", dependencies: ["PDPCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "PDPStoreTests", dependencies: ["PDPStore", "PDPCore"], swiftSettings: strict),
        .testTarget(
            name: "PDPStorePostgresTests",
            dependencies: [
                "PDPStorePostgres", "PDPStore", "PDPCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PDPFactsTests",
            dependencies: ["PDPFacts", "PDPStore", "PDPCore", "PDPPolicyYAML", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PDPWireTests",
            dependencies: ["PDPWire", "TestSupport", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PDPServerTests",
            dependencies: [
                "PDPServer", "PDPCore", "PDPPolicyYAML", "PDPStore", "PDPFacts", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "PDPPolicyYAMLTests",
            dependencies: ["PDPPolicyYAML", "PDPCore", "TestSupport"],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        // ---- task app and Swift client (issue #12) ----
        // Swift SDK for any Permit-compatible PDP: checks, bulk checks, facts.
        .target(
            name: "PDPClient",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The bundled task app (Vapor + Fluent + Leaf), authorized by the PDP through PDPClient.
        .target(
            name: "TaskManager",
            dependencies: [
                "PDPClient",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "TaskManagerCommand",
            dependencies: ["TaskManager", .product(name: "Vapor", package: "vapor")],
            swiftSettings: strict
        ),
        // A real `pdp serve` process and a canned HTTP server, for the client and app tests.
        .target(name: "LivePDP", path: "Tests/LivePDP", swiftSettings: strict),
        .testTarget(
            name: "PDPClientTests",
            dependencies: ["PDPClient", "LivePDP"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TaskManagerTests",
            dependencies: [
                "TaskManager", "PDPClient", "LivePDP",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Fluent", package: "fluent"),
            ],
            swiftSettings: strict
        ),
        // ---- end task app and Swift client ----
        .testTarget(
            name: "PDPLoadTests",
            dependencies: [
                "PDPLoad", "PDPServer", "PDPCore", "PDPPolicyYAML",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
