// swift-tools-version:5.4
import PackageDescription

// libFuzzer targets for swift-pdp (issue #15). A package of its own so the normal
// `swift build` and `swift test` never build them: they only link with
// `-sanitize=fuzzer`, which brings libFuzzer's own `main`. Build and run one with
//   scripts/fuzz.sh TARGET SECONDS
// which builds with `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
// -Xswiftc -enable-testing` (the last so targets can reach internal readers with
// `@testable import`) and runs it over the seed corpus in Tests/Fuzz/Corpus/TARGET.
//
// Tools version 5.4 on purpose: from 5.5 on, SwiftPM renames an executable's entry point
// to `<Target>_main` and links `main` to it, which a fuzz target (whose `main` is
// libFuzzer's) does not have, so the link fails. The harnesses therefore build in the Swift 5
// language mode; the code under test keeps its own (Swift 6).
let pdp: [Target.Dependency] = [
    .product(name: "PDPCore", package: "swift-pdp"),
    .product(name: "PDPWire", package: "swift-pdp"),
    .product(name: "PDPServer", package: "swift-pdp"),
    .product(name: "PDPStore", package: "swift-pdp"),
    .product(name: "PDPPolicyYAML", package: "swift-pdp"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOEmbedded", package: "swift-nio"),
    .product(name: "NIOHTTP1", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
]

let targets = ["FuzzCheckBody", "FuzzBulkBody", "FuzzQueryBodies", "FuzzRESTBodies", "FuzzPolicyYAML", "FuzzJournal", "FuzzHTTP"]

let package = Package(
    name: "swift-pdp-fuzz",
    dependencies: [
        .package(name: "swift-pdp", path: "../../"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: targets.map { .executableTarget(name: $0, dependencies: pdp) }
)
