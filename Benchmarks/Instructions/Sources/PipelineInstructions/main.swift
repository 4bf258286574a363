// SPDX-License-Identifier: Apache-2.0
// Sends N wrk-shaped `POST /allowed` requests through the production pipeline on an
// `EmbeddedChannel` (no sockets, no threads), for instruction counting under callgrind:
// Benchmarks/macro/callgrind_allowed.sh runs it at two N and divides the difference, so
// start-up and policy compile cancel out. Instruction counts repeat exactly run to run,
// where timings on this shared 2-core VM vary by 15-20%.
//   cd Benchmarks/Instructions && swift run -c release PipelineInstructions [N] [repository root] [bulk body file]
// With a bulk body file (Benchmarks/macro/callgrind_allowed.sh --bulk FILE) it instead runs N
// times the per-check work of one `/allowed/bulk` batch on one thread: what each thread
// answering a slice of a batch does (read the checks, decide, write the answers), without
// the HTTP pipeline and without the hand-off to a second thread, whose waiting would make
// the count vary.
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import PDPCore
import PDPPolicyYAML
import PDPServer
import PDPWire

let root = CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "../.."
let (document, diagnostics) = PolicyLoader.load(paths: ["\(root)/policies/tasks.yaml", "\(root)/Tests/compat/policy/users.yaml"])
guard !diagnostics.hasErrors else { fatalError("policy: \(diagnostics)") }
let count = Int(CommandLine.arguments.dropFirst().first ?? "1000") ?? 1000
if CommandLine.arguments.count > 3 {
    let snapshot = try PolicyCompiler.compile(document)
    let body = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[3])))
    let scratch = JSONScratch(initialCapacity: 64)
    var answers = ByteBuffer()
    var allowed = 0
    for _ in 0..<count {
        answers.clear()
        var writer = BulkAllowedResponseWriter()
        writer.begin(into: &answers)
        let items = try body.withUnsafeReadableBytes { bytes in
            try CheckRequestReader.readBulkSlice(bytes, from: 0, to: nil, scratch: scratch, maxItems: 10_000) { _, fields in
                let allow = snapshot.decide(
                    user: fields.userKey.bytes, action: fields.action.bytes,
                    resourceType: fields.resourceType.bytes, tenant: fields.tenant?.bytes
                ).isAllowed
                if allow { allowed += 1 }
                writer.append(allow: allow, into: &answers)
            }
        }
        writer.end(into: &answers)
        guard items != nil else { fatalError("not a bulk body: \(CommandLine.arguments[3])") }
    }
    print("\(count) bulk batches, \(allowed) allowed")
    exit(0)
}
let state = ServerState(
    store: SnapshotStore(try PolicyCompiler.compile(document)),
    configuration: ServerConfiguration(apiKey: "bench-key"),
    logger: Logger(label: "instructions", factory: { _ in SwiftLogNoOpLogHandler() }))
let channel = EmbeddedChannel()
try PDPServer.configurePipeline(channel.pipeline.syncOperations, state: state)
channel.pipeline.fireChannelActive()
// The body Permit's Python SDK sends for permit.check("alice", "read", "task"), behind the head wrk sends.
let body = #"{"user": {"key": "alice"}, "action": "read", "resource": {"type": "task", "key": null, "tenant": "default", "context": {"tenant": "default"}}, "context": {}}"#
let request = ByteBuffer(
    string: "POST /allowed HTTP/1.1\r\nHost: 127.0.0.1:7766\r\nContent-Type: application/json\r\n"
        + "Authorization: Bearer bench-key\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
var allowed = 0
for _ in 0..<count {
    try channel.writeInbound(request)
    channel.pipeline.fireChannelReadComplete()
    while let part = try channel.readOutbound(as: IOData.self) {
        // `…true}` or `…false}`: the third byte from the end tells them apart.
        if case .byteBuffer(let buffer) = part, buffer.getInteger(at: buffer.writerIndex - 3, as: UInt8.self) == UInt8(ascii: "u") {
            allowed += 1
        }
    }
}
guard allowed == count else { fatalError("expected \(count) allowed answers, got \(allowed)") }
print("\(count) requests answered")
