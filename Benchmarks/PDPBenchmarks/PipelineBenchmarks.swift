// SPDX-License-Identifier: Apache-2.0
import Benchmark
import Logging
import NIOCore
import NIOEmbedded
import PDPCore
import PDPServer

/// The production HTTP pipeline on an `EmbeddedChannel`: request bytes in, response bytes
/// out, no sockets. Measures HTTP parsing, routing, auth, the body reader, the decision and
/// response encoding together.
enum Pipeline {
    static func channel() throws -> EmbeddedChannel {
        let state = ServerState(
            store: SnapshotStore(try Fixtures.sharedTaskSnapshot ?? Fixtures.taskSnapshot()),
            configuration: ServerConfiguration(apiKey: "secret"),
            logger: Logger(label: "bench", factory: { _ in SwiftLogNoOpLogHandler() }))
        let channel = EmbeddedChannel()
        try PDPServer.configurePipeline(channel.pipeline.syncOperations, state: state)
        return channel
    }

    static func request(path: String, body: String) -> ByteBuffer {
        ByteBuffer(string: "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nAuthorization: Bearer secret\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// Sends one request and drains the response; returns the response byte count.
    static func roundTrip(_ channel: EmbeddedChannel, _ request: ByteBuffer) throws -> Int {
        try channel.writeInbound(request)
        var bytes = 0
        while let part = try channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = part { bytes += buffer.readableBytes }
        }
        return bytes
    }
}

func registerPipelineBenchmarks() {
    Benchmark("Pipeline_Allowed_InProcess", configuration: .init(scalingFactor: .kilo)) { benchmark in
        let channel = try Pipeline.channel()
        let request = Pipeline.request(path: "/allowed", body: Fixtures.checkBody)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try Pipeline.roundTrip(channel, request))
        }
    }

    Benchmark("Pipeline_Bulk1000_InProcess", configuration: .init(scalingFactor: .one)) { benchmark in
        let channel = try Pipeline.channel()
        let body = "[" + (0..<1_000).map { i in
            #"{"user": {"key": "user-\#(i % 100)"}, "action": "\#(i % 3 == 0 ? "readall" : "read")", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#
        }.joined(separator: ", ") + "]"
        let request = Pipeline.request(path: "/allowed/bulk", body: body)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try Pipeline.roundTrip(channel, request))
        }
    }
}
