// swift-tools-version:6.1
import PackageDescription

// Instructions per /allowed request through the production pipeline, under callgrind:
//   Benchmarks/macro/callgrind_allowed.sh
// A package of its own because package-benchmark runs every executable of the Benchmarks
// package as a benchmark.
let package = Package(
    name: "swift-pdp-instructions",
    dependencies: [
        .package(name: "swift-pdp", path: "../../"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PipelineInstructions",
            dependencies: [
                .product(name: "PDPCore", package: "swift-pdp"),
                .product(name: "PDPPolicyYAML", package: "swift-pdp"),
                .product(name: "PDPServer", package: "swift-pdp"),
                .product(name: "PDPWire", package: "swift-pdp"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        )
    ]
)
