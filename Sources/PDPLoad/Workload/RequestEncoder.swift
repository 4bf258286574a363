// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPWire

/// One HTTP request, framed and encoded before the run starts, with what it should be answered.
public struct PreparedRequest: Sendable {
    /// The whole request: request line, headers and body.
    public var bytes: ByteBuffer
    /// Indices into ``Workload/checks`` of the checks it carries, in order.
    public var checkIndices: [Int]
    /// The expected `allow` of each check, or `nil` when the request is not verified.
    public var expected: [Bool]?
}

/// Encodes checks the way Permit's Python SDK sends them and frames them as HTTP/1.1.
public enum RequestEncoder {
    /// The `/allowed` body for a check, shaped like the Python SDK's `permit.check(...)`:
    /// `{"user":{"key":…},"action":…,"resource":{"type":…,"key":…,"tenant":…,"context":{"tenant":…}},"context":{}}`.
    public static func body(for request: AccessRequest) -> String {
        var writer = JSONWriter(buffer: ByteBuffer())
        let tenant = request.tenant ?? "default"
        writer.beginObject()
        writer.key("user")
        writer.beginObject()
        writer.key("key")
        writer.string(request.user)
        writer.endObject()
        writer.key("action")
        writer.string(request.action)
        writer.key("resource")
        writer.beginObject()
        writer.key("type")
        writer.string(request.resourceType)
        writer.key("key")
        if let key = request.resourceKey { writer.string(key) } else { writer.null() }
        writer.key("tenant")
        writer.string(tenant)
        writer.key("context")
        writer.beginObject()
        writer.key("tenant")
        writer.string(tenant)
        writer.endObject()
        writer.endObject()
        writer.key("context")
        writer.beginObject()
        writer.endObject()
        writer.endObject()
        return String(buffer: writer.buffer)
    }

    /// The requests a run cycles through: one per check for `/allowed`, or one per
    /// `batchSize` consecutive checks (wrapping around) for `/allowed/bulk`.
    public static func prepare(_ workload: Workload, configuration: LoadConfiguration) -> [PreparedRequest] {
        let checks = workload.checks
        guard !checks.isEmpty else { return [] }
        let batch = configuration.endpoint == .bulk ? configuration.batchSize : 1
        let count = (checks.count + batch - 1) / batch
        let verify = configuration.verify && workload.isVerifiable
        var head = "POST \(configuration.target.basePath)\(configuration.endpoint.rawValue) HTTP/1.1\r\n"
        head += "Host: \(configuration.target.hostHeader)\r\n"
        head += "Content-Type: application/json\r\nAccept: */*\r\n"
        if let key = configuration.apiKey { head += "Authorization: Bearer \(key)\r\n" }
        if configuration.newConnectionPerRequest { head += "Connection: close\r\n" }
        var requests: [PreparedRequest] = []
        requests.reserveCapacity(count)
        for number in 0..<count {
            let indices = (0..<batch).map { (number * batch + $0) % checks.count }
            var body: String
            if configuration.endpoint == .bulk {
                body = "[" + indices.map { checks[$0].body }.joined(separator: ",") + "]"
            } else {
                body = checks[indices[0]].body
            }
            var bytes = ByteBuffer()
            bytes.reserveCapacity(head.utf8.count + body.utf8.count + 32)
            bytes.writeString(head)
            bytes.writeString("Content-Length: \(body.utf8.count)\r\n\r\n")
            bytes.writeString(body)
            let expected = verify ? indices.compactMap { checks[$0].expected?.isAllowed } : nil
            requests.append(PreparedRequest(bytes: bytes, checkIndices: indices, expected: expected))
        }
        return requests
    }
}
