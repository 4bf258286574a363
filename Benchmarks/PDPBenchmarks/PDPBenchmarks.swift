// SPDX-License-Identifier: Apache-2.0
import Benchmark
import Foundation
import PDPCore
import PDPWire

// Decisions, JSON reading and compilation. Names have no spaces or slashes: they become
// file names under Thresholds/ (package-benchmark 1.38 cannot read back names with spaces).
// The end-to-end pipeline benchmarks live in
// PipelineBenchmarks.swift. Malloc counts are the regression guard that matters most: the
// hot path must stay at zero.
let benchmarks: @Sendable () -> Void = {
    // Regression gates for `swift package benchmark thresholds check` against Thresholds/:
    // allocations may not grow at all; time is noisy on shared 2-core machines, so it only
    // fails on a large regression.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .nanoseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000,
        thresholds: [
            .mallocCountTotal: .init(absolute: [.p90: 0]),
            .wallClock: .init(relative: [.p50: 60]),
            .throughput: .init(relative: [.p50: 60]),
        ]
    )

    Benchmark(
        "Decide_AllowedCheckFromBytes",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        guard let snapshot = Fixtures.sharedTaskSnapshot else { return }
        var user = "user-7", action = "read", type = "task", tenant = "default"
        benchmark.startMeasurement()
        user.withUTF8 { user in
            action.withUTF8 { action in
                type.withUTF8 { type in
                    tenant.withUTF8 { tenant in
                        for _ in benchmark.scaledIterations {
                            blackHole(snapshot.decide(user: .init(user), action: .init(action), resourceType: .init(type), tenant: .init(tenant)))
                        }
                    }
                }
            }
        }
    }

    Benchmark(
        "Decide_DeniedUnknownUser",
        configuration: .init(scalingFactor: .kilo)
    ) { benchmark in
        guard let snapshot = Fixtures.sharedTaskSnapshot else { return }
        var user = "nobody-at-all-here", action = "readall", type = "task"
        benchmark.startMeasurement()
        user.withUTF8 { user in
            action.withUTF8 { action in
                type.withUTF8 { type in
                    for _ in benchmark.scaledIterations {
                        blackHole(snapshot.decide(user: .init(user), action: .init(action), resourceType: .init(type), tenant: nil))
                    }
                }
            }
        }
    }

    Benchmark("JSON_ReadCheckBody_PDPWire", configuration: .init(scalingFactor: .kilo)) { benchmark in
        var body = Array(Fixtures.checkBody.utf8)
        let scratch = JSONScratch()
        benchmark.startMeasurement()
        body.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations {
                blackHole(try? CheckRequestReader.read(bytes, scratch: scratch) { $0.action.count })
            }
        }
    }

    Benchmark("JSON_DecodeCheckBody_FoundationJSONDecoder", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let body = Data(Fixtures.checkBody.utf8)
        let decoder = JSONDecoder()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try? decoder.decode(FoundationCheckBody.self, from: body))
        }
    }

    Benchmark(
        "Compile_1000Roles_200Types_10Actions_1MUsers",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, warmupIterations: 0,
            maxDuration: .seconds(20), maxIterations: 3,
            thresholds: [.wallClock: .init(relative: [.p50: 60]), .peakMemoryResident: .init(relative: [.p50: 15])])
    ) { benchmark in
        let document = Fixtures.largeDocument(users: 1_000_000)
        benchmark.startMeasurement()
        blackHole(try PolicyCompiler.compile(document))
        benchmark.stopMeasurement()
    }

    registerPipelineBenchmarks()
    registerFactsWriteBenchmarks()
}

/// The fields a decision needs, decoded the conventional way, for comparison.
struct FoundationCheckBody: Decodable {
    struct User: Decodable { var key: String }
    struct Resource: Decodable {
        var type: String
        var key: String?
        var tenant: String?
    }
    var user: User
    var action: String
    var resource: Resource
}
