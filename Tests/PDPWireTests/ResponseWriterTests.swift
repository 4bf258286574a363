// SPDX-License-Identifier: Apache-2.0

import NIOCore
import PDPWire
import Testing

@Suite struct ResponseWriterTests {
    @Test func allowedAnswersAreByteExact() {
        var buffer = ByteBuffer()
        AllowedResponseWriter.write(allow: true, into: &buffer)
        #expect(string(buffer) == #"{"allow":true,"result":true}"#)
        buffer.clear()
        AllowedResponseWriter.write(allow: false, into: &buffer)
        #expect(string(buffer) == #"{"allow":false,"result":false}"#)
    }

    @Test func allowedAnswerWithEncodedDebugObject() {
        var buffer = ByteBuffer()
        let debug = Array(#"{"rbac":{"allow":true}}"#.utf8)
        debug.withUnsafeBytes { AllowedResponseWriter.write(allow: true, debugJSON: $0, into: &buffer) }
        #expect(string(buffer) == #"{"allow":true,"result":true,"debug":{"rbac":{"allow":true}}}"#)
    }

    @Test func allowedAnswerWithEscapedDebugReason() {
        var buffer = ByteBuffer()
        AllowedResponseWriter.write(allow: false, debugReason: "no role \"editor\"\n\u{01}", into: &buffer)
        #expect(string(buffer) == #"{"allow":false,"result":false,"debug":{"reason":"no role \"editor\"\n\u0001"}}"#)
    }

    @Test func bulkAnswersAreWrittenIncrementally() {
        var buffer = ByteBuffer()
        var writer = BulkAllowedResponseWriter()
        writer.begin(into: &buffer)
        writer.append(allow: true, into: &buffer)
        writer.append(allow: false, into: &buffer)
        writer.append(allow: true, into: &buffer)
        writer.end(into: &buffer)
        #expect(writer.count == 3)
        #expect(string(buffer) == #"{"allow":[{"allow":true,"result":true},{"allow":false,"result":false},{"allow":true,"result":true}]}"#)
    }

    @Test func emptyBulkAnswer() {
        var buffer = ByteBuffer()
        let writer = BulkAllowedResponseWriter()
        writer.begin(into: &buffer)
        writer.end(into: &buffer)
        #expect(string(buffer) == #"{"allow":[]}"#)
    }

    @Test func jsonWriterEscapesAndKeepsKeyOrder() {
        var writer = JSONWriter(buffer: ByteBuffer())
        writer.beginObject()
        writer.key("z")
        writer.string("q\"\\/\u{08}\u{0C}\n\r\t\u{1F}é")
        writer.key("a")
        writer.beginArray()
        writer.int(-3)
        writer.double(0.5)
        writer.double(.nan)
        writer.bool(true)
        writer.null()
        writer.beginObject()
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.endArray()
        writer.key("m")
        writer.value(.object([JSONMember("b", .int(1)), JSONMember("a", .array([.string("x"), .bool(false)]))]))
        writer.endObject()
        #expect(string(writer.buffer) == #"{"z":"q\"\\/\b\f\n\r\t\u001fé","a":[-3,0.5,null,true,null,{},[]],"m":{"b":1,"a":["x",false]}}"#)
    }

    @Test func allTenantsShapeCanBeWrittenWithJSONWriter() {
        var writer = JSONWriter(buffer: ByteBuffer())
        writer.value(.object([JSONMember("allowed_tenants", .array([.object([
            JSONMember("allow", .bool(true)), JSONMember("result", .bool(true)),
            JSONMember("tenant", .object([JSONMember("key", .string("default")), JSONMember("attributes", .object([]))])),
        ])]))]))
        #expect(string(writer.buffer) == #"{"allowed_tenants":[{"allow":true,"result":true,"tenant":{"key":"default","attributes":{}}}]}"#)
    }
}
