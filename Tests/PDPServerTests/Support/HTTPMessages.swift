// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A request as the exact bytes to write; ``make(_:_:body:headers:)`` builds well-formed ones.
struct HTTPRequest: Sendable {
    var method: String
    var bytes: [UInt8]

    /// The API key every test server is configured with (see ``TestServer``).
    static let apiKey = "test-key"

    /// A well-formed HTTP/1.1 request with `Host`, `Content-Length` when there is a body, and
    /// `Authorization: Bearer <apiKey>` unless `authorization` is `nil`.
    static func make(
        _ method: String, _ target: String, body: String? = nil, headers: [(String, String)] = [],
        authorization: String? = "Bearer \(apiKey)", version: String = "HTTP/1.1"
    ) -> HTTPRequest {
        make(method, target, bodyBytes: body.map { Array($0.utf8) }, headers: headers, authorization: authorization, version: version)
    }

    static func make(
        _ method: String, _ target: String, bodyBytes: [UInt8]?, headers: [(String, String)] = [],
        authorization: String? = "Bearer \(apiKey)", version: String = "HTTP/1.1"
    ) -> HTTPRequest {
        var head = "\(method) \(target) \(version)\r\nHost: 127.0.0.1\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let bodyBytes {
            head += "Content-Type: application/json\r\nContent-Length: \(bodyBytes.count)\r\n"
        }
        head += "\r\n"
        return HTTPRequest(method: method, bytes: Array(head.utf8) + (bodyBytes ?? []))
    }

    /// `POST path` with a JSON body.
    static func post(_ path: String, _ json: String, authorization: String? = "Bearer \(apiKey)") -> HTTPRequest {
        make("POST", path, body: json, authorization: authorization)
    }

    static func get(_ target: String, authorization: String? = "Bearer \(apiKey)") -> HTTPRequest {
        make("GET", target, authorization: authorization)
    }

    /// A `/allowed` body.
    static func check(_ user: String, _ action: String, _ resource: String, tenant: String? = nil) -> HTTPRequest {
        let tenantMember = tenant.map { #","tenant":"\#($0)""# } ?? ""
        return post("/allowed", #"{"user":{"key":"\#(user)"},"action":"\#(action)","resource":{"type":"\#(resource)"\#(tenantMember)}}"#)
    }
}

/// A parsed response.
struct HTTPResponse: Sendable {
    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []

    /// Parses a status line and header lines (without the blank line).
    init(head: [UInt8]) throws(RawHTTPError) {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0] == "HTTP/1.1" || parts[0] == "HTTP/1.0",
            parts[1].count == 3, let status = Int(parts[1])
        else { throw .malformed("status line \(statusLine.debugDescription)") }
        version = String(parts[0])
        self.status = status
        reason = parts.count > 2 ? String(parts[2]) : ""
        headers = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw .malformed("header line \(line.debugDescription)")
            }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces))
        }
    }

    /// The first value of the header `name` (case-insensitive).
    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Whether the server announced it closes the connection after this response.
    var closesConnection: Bool { header("connection")?.lowercased() == "close" }

    /// The body parsed with `JSONSerialization` (fragments allowed).
    func json() throws -> Any {
        try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
    }

    func jsonObject() throws -> [String: Any] {
        guard let object = try json() as? [String: Any] else { throw RawHTTPError.malformed("not a JSON object: \(bodyText)") }
        return object
    }

    func jsonArray() throws -> [Any] {
        guard let array = try json() as? [Any] else { throw RawHTTPError.malformed("not a JSON array: \(bodyText)") }
        return array
    }
}
