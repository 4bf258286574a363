// swift-tools-version:6.1
import PackageDescription

// Micro-benchmarks for swift-pdp (ordo-one/benchmark). Run from this directory:
//   swift package benchmark                       # run and print
//   swift package benchmark thresholds check      # fail on regressions against Thresholds/
let package = Package(
    name: "swift-pdp-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "swift-pdp", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "PDPBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "PDPCore", package: "swift-pdp"),
                .product(name: "PDPPolicyYAML", package: "swift-pdp"),
                .product(name: "PDPWire", package: "swift-pdp"),
                .product(name: "PDPServer", package: "swift-pdp"),
                .product(name: "PDPFacts", package: "swift-pdp"),
                .product(name: "PDPStore", package: "swift-pdp"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "PDPBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
