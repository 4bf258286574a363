// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOEmbedded
import PDPServer
import Testing

/// A connection reuses its last response buffer once the socket is done with it, and never
/// while the socket still holds it (the bytes of an answer not yet sent must not change).
@Suite struct ResponseBufferReuseTests {
    private static let allowed = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 28\r\n\r\n" + #"{"allow":true,"result":true}"#
    private static let denied = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 30\r\n\r\n" + #"{"allow":false,"result":false}"#

    private static func channel() throws -> EmbeddedChannel {
        let state = ServerState(
            store: SnapshotStore(try Fixtures.snapshot()), configuration: ServerConfiguration(apiKey: HTTPRequest.apiKey),
            logger: Logger(label: "reuse-tests", factory: { _ in SwiftLogNoOpLogHandler() }))
        let channel = EmbeddedChannel()
        try PDPServer.configurePipeline(channel.pipeline.syncOperations, state: state)
        return channel
    }

    private static func request(_ user: String) -> String {
        let body = #"{"user":{"key":"\#(user)"},"action":"read","resource":{"type":"task","tenant":"default"}}"#
        return "POST /allowed HTTP/1.1\r\nhost: pdp\r\nauthorization: Bearer \(HTTPRequest.apiKey)\r\ncontent-length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    /// The outbound buffers written so far, as text, with the address and size of each one's
    /// storage.
    private static func written(_ channel: EmbeddedChannel) throws -> [(text: String, storage: UInt, capacity: Int)] {
        var out: [(String, UInt, Int)] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            let storage = buffer.withVeryUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
            out.append((String(buffer: buffer), storage, buffer.capacity))
        }
        return out
    }

    @Test("the buffer of a sent answer is reused for the next one")
    func reusedOnceSent() throws {
        let channel = try Self.channel()
        defer { _ = try? channel.finish() }
        try channel.writeInbound(ByteBuffer(string: Self.request("alice")))
        let first = try #require(try Self.written(channel).first)  // the socket has let go of it
        #expect(first.text == Self.allowed)
        // Had the connection not kept the buffer, its storage is free now, and malloc would
        // likely hand the same address to the next answer, passing this test by luck: an
        // allocation of the same size taken here claims that block first.
        let decoy = UnsafeMutableRawPointer.allocate(byteCount: first.capacity, alignment: 1)
        defer { decoy.deallocate() }
        try channel.writeInbound(ByteBuffer(string: Self.request("dave")))
        let second = try #require(try Self.written(channel).first)
        #expect(second.text == Self.denied)
        #expect(second.storage == first.storage, "the second answer should reuse the first one's storage")
    }

    @Test("answers still held by the socket are never overwritten")
    func notReusedWhileHeld() throws {
        let channel = try Self.channel()
        defer { _ = try? channel.finish() }
        // Three pipelined requests in one read: all three answers are pending together.
        try channel.writeInbound(ByteBuffer(string: Self.request("alice") + Self.request("dave") + Self.request("alice")))
        let answers = try Self.written(channel)
        #expect(answers.map(\.text) == [Self.allowed, Self.denied, Self.allowed])
        #expect(Set(answers.map(\.storage)).count == 3)
        // And while the test holds one answer (a socket that has not sent it yet), the next
        // answer goes elsewhere and the held bytes stay as they were.
        try channel.writeInbound(ByteBuffer(string: Self.request("dave")))
        let held = try #require(try channel.readOutbound(as: ByteBuffer.self))
        try channel.writeInbound(ByteBuffer(string: Self.request("alice")))
        let next = try #require(try Self.written(channel).first)
        #expect(String(buffer: held) == Self.denied)
        #expect(next.text == Self.allowed)
    }
}
