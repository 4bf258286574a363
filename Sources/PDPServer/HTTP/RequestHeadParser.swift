// SPDX-License-Identifier: Apache-2.0
import NIOHTTP1

/// Parses HTTP/1.0 and HTTP/1.1 request heads, strictly, from bytes in place.
///
/// Written by hand instead of using NIO's `HTTPRequestDecoder` because that decoder turns
/// every header of every request into `String`s in an `HTTPHeaders` array and sends three
/// messages through the pipeline per request; this server reads five headers and answers
/// tens of thousands of requests per second per core, and that work was a large share of
/// each request's CPU time. The parser is deliberately narrow and strict, since it faces
/// untrusted input:
/// - request line `METHOD SP target SP HTTP/1.0|HTTP/1.1`, tokens and visible ASCII only, the
///   target in origin form (starting with `/`);
/// - header fields `name: value` with token names, no control characters in values, no
///   obsolete line folding; every line ends in CRLF (a bare LF or bare CR is 400: RFC 9112
///   §2.2 allows a server to accept a bare LF, but a proxy in front that reads the head
///   differently is how requests are smuggled);
/// - `Transfer-Encoding` other than exactly `chunked`, a repeated `Transfer-Encoding`, one
///   in an HTTP/1.0 request (RFC 9112 §6.1), one together with `Content-Length`, or more
///   than one `Content-Length` (even with the same value) are rejected (request smuggling);
/// - `Host` exactly once in HTTP/1.1 and at most once in HTTP/1.0 (RFC 9112 §3.2; its value
///   is not used, so not parsed further); `Authorization` at most once (with two, which
///   one is the credential is a guess);
/// - at most `maxHeaderBytes` bytes and 100 fields.
enum RequestHeadParser {
    enum Outcome {
        /// The head is not complete yet; `scanned` bytes can be skipped when searching again.
        case incomplete(scanned: Int)
        /// The head is `length` bytes long and was parsed into the `head` argument.
        case complete(length: Int)
        case invalid(HTTPResponseStatus, String)
    }

    static let maxFields = 100

    /// Looks for a complete head at the start of `bytes` and parses it into `head`.
    ///
    /// The head is filled in place rather than returned in the outcome: an enum holding a
    /// `RequestHead` (three strings) was copied field by field on every request.
    /// - Parameter resumeAt: bytes already searched by an earlier call (from `.incomplete`).
    static func parse(_ bytes: UnsafeRawBufferPointer, maxHeaderBytes: Int, resumeAt: Int = 0, into head: inout RequestHead) -> Outcome {
        func incomplete() -> Outcome {
            if bytes.count > maxHeaderBytes {
                return .invalid(.requestHeaderFieldsTooLarge, "request head exceeds \(maxHeaderBytes) bytes")
            }
            return .incomplete(scanned: max(0, bytes.count - 3))
        }
        // A head that was incomplete before is parsed again only once its end has arrived,
        // so a head sent a byte at a time costs a scan of the new bytes per read. A new head
        // is parsed line by line straight away: it has almost always arrived whole.
        guard let base = bytes.baseAddress, resumeAt == 0 || findEndOfHead(bytes, from: resumeAt) != nil else {
            return incomplete()
        }
        // Lines past the size limit are never read: such a head is 431 however it ends.
        var lines = LineReader(base: base, end: min(bytes.count, maxHeaderBytes + 1))
        guard let requestLine = lines.next() else { return incomplete() }
        guard parseRequestLine(base, requestLine, into: &head) else {
            return .invalid(.badRequest, "malformed request line")
        }
        var contentLength: Int?
        var chunked = false
        var transferEncoding = false
        var connectionClose = false
        var connectionKeepAlive = false
        var hosts = 0
        var fields = 0
        while true {
            guard let line = lines.next() else { return incomplete() }
            if line.isEmpty { break }
            fields += 1
            if fields > maxFields { return .invalid(.requestHeaderFieldsTooLarge, "more than \(maxFields) header fields") }
            guard let field = splitField(base, line) else { return .invalid(.badRequest, "malformed header field") }
            let name = field.name
            // Only the fields acted on are compared, picked by name length first: the Host,
            // Content-Type and User-Agent most requests carry match none of those lengths.
            switch name.count {
            case 14:
                if equalsLowercase(bytes, name, "content-length") {
                    guard let value = parseDecimal(base, field.value) else { return .invalid(.badRequest, "invalid Content-Length") }
                    // Even a repeat of the same value: RFC 9112 §6.3 lets a recipient accept
                    // it, but llhttp (and so a NIO proxy in front) rejects it, and two parsers
                    // that disagree on framing are how requests are smuggled.
                    guard contentLength == nil else { return .invalid(.badRequest, "more than one Content-Length header") }
                    contentLength = value
                } else if equalsLowercase(bytes, name, "x-wait-timeout") {
                    // Seconds; empty or negative means "do not wait". Writes here are
                    // synchronous, so a valid value needs no further handling.
                    checkWaitTimeout(bytes, field.value, into: &head)
                }
            case 4:
                if equalsLowercase(bytes, name, "host") { hosts += 1 }
            case 13:
                if equalsLowercase(bytes, name, "authorization") {
                    guard head.authorization == nil else { return .invalid(.badRequest, "more than one Authorization header") }
                    head.authorization = field.value
                }
            case 17:
                if equalsLowercase(bytes, name, "transfer-encoding") {
                    guard !transferEncoding else { return .invalid(.badRequest, "more than one Transfer-Encoding header") }
                    transferEncoding = true
                    chunked = equalsLowercase(bytes, field.value, "chunked")
                    if !chunked { return .invalid(.notImplemented, "only the chunked transfer coding is supported") }
                }
            case 10:
                if equalsLowercase(bytes, name, "connection") {
                    forEachToken(base, field.value) { token in
                        if equalsLowercase(bytes, token, "close") { connectionClose = true }
                        if equalsLowercase(bytes, token, "keep-alive") { connectionKeepAlive = true }
                    }
                }
            case 16:
                if equalsLowercase(bytes, name, "x-timeout-policy"),
                    !equalsLowercase(bytes, field.value, "ignore"), !equalsLowercase(bytes, field.value, "fail")
                {
                    head.syncHeaderProblem = "X-Timeout-Policy must be 'ignore' or 'fail'"
                }
            case 6:
                if equalsLowercase(bytes, name, "expect") {
                    guard equalsLowercase(bytes, field.value, "100-continue") else {
                        return .invalid(.expectationFailed, "unsupported expectation")
                    }
                    head.expectContinue = true
                }
            default:
                break
            }
        }
        if lines.sawBareLineFeed { return .invalid(.badRequest, "a line ends in LF without CR") }
        let http11 = head.version.minor == 1
        if hosts != 1, hosts > 1 || http11 {
            return .invalid(.badRequest, hosts > 1 ? "more than one Host header" : "missing Host header")
        }
        if transferEncoding {
            if contentLength != nil { return .invalid(.badRequest, "both Transfer-Encoding and Content-Length") }
            if !http11 { return .invalid(.badRequest, "Transfer-Encoding in an HTTP/1.0 request") }
        }
        head.framing = chunked ? .chunked : contentLength.map { $0 > 0 ? .length($0) : .none } ?? .none
        head.keepAlive = !connectionClose && (http11 || connectionKeepAlive)
        let end = lines.position
        if end > maxHeaderBytes {
            return .invalid(.requestHeaderFieldsTooLarge, "request head exceeds \(maxHeaderBytes) bytes")
        }
        return .complete(length: end)
    }

    /// The offset just past the blank line that ends the head, or `nil`.
    private static func findEndOfHead(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var index = max(0, start)
        while true {
            index = firstNewline(bytes, from: index, end: bytes.count)
            guard index < bytes.count else { return nil }
            if index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") { return index + 2 }
            if index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\r"), bytes[index + 2] == UInt8(ascii: "\n") {
                return index + 3
            }
            index += 1
        }
    }

    /// `METHOD SP target SP HTTP/1.x`, with a token method and a visible-ASCII target.
    private static func parseRequestLine(_ base: UnsafeRawPointer, _ line: Range<Int>, into head: inout RequestHead) -> Bool {
        var index = line.lowerBound
        while index < line.upperBound, isTokenByte(base.load(fromByteOffset: index, as: UInt8.self)) { index += 1 }
        guard index > line.lowerBound, index < line.upperBound,
            base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: " ")
        else { return false }
        let methodRange = line.lowerBound..<index
        index += 1
        let targetStart = index
        // Origin form only (RFC 9112 §3.2.1): a target that does not start with `/` names no
        // path here, and llhttp rejects most of them ("invalid URL").
        guard index < line.upperBound, base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: "/") else { return false }
        while index < line.upperBound {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            if byte == UInt8(ascii: " ") { break }
            guard byte > 0x20, byte < 0x7F else { return false }
            index += 1
        }
        guard index > targetStart, index < line.upperBound else { return false }
        let target = targetStart..<index
        let versionRange = index + 1..<line.upperBound
        let version: HTTPVersion
        if equalsExactly(base, versionRange, "HTTP/1.1") {
            version = .http1_1
        } else if equalsExactly(base, versionRange, "HTTP/1.0") {
            version = .http1_0
        } else {
            return false
        }
        head = RequestHead(
            method: parseMethod(base, methodRange),
            uri: String(decoding: UnsafeRawBufferPointer(start: base + target.lowerBound, count: target.count), as: UTF8.self),
            target: target, version: version)
        return true
    }

    /// The common methods without building a `String` (NIO's `HTTPMethod(rawValue:)` compares
    /// strings); any other token becomes `.RAW` as NIO would make it.
    private static func parseMethod(_ base: UnsafeRawPointer, _ range: Range<Int>) -> HTTPMethod {
        switch range.count {
        case 3:
            if equalsExactly(base, range, "GET") { return .GET }
            if equalsExactly(base, range, "PUT") { return .PUT }
        case 4:
            if equalsExactly(base, range, "POST") { return .POST }
            if equalsExactly(base, range, "HEAD") { return .HEAD }
        case 5:
            if equalsExactly(base, range, "PATCH") { return .PATCH }
        case 6:
            if equalsExactly(base, range, "DELETE") { return .DELETE }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self))
    }

    /// Splits `name: value`: the name must be token bytes up to the colon; the value is
    /// trimmed of spaces and tabs and may hold visible characters, spaces, tabs and obs-text,
    /// no other control bytes (``isFieldValue(_:_:)``).
    static func splitField(_ base: UnsafeRawPointer, _ line: Range<Int>) -> (name: Range<Int>, value: Range<Int>)? {
        // The colon first, then the name before it: whole words of letters, digits and `-`
        // (nearly every name; the last word overlaps the one before), else byte by byte.
        let index = firstByte(UInt8(ascii: ":"), base, from: line.lowerBound, end: line.upperBound)
        guard index < line.upperBound, index > line.lowerBound else { return nil }
        let name = line.lowerBound..<index
        if !nameIsPlain(base, name) {
            for offset in name where !isTokenByte(base.load(fromByteOffset: offset, as: UInt8.self)) { return nil }
        }
        // Optional whitespace is trimmed at either end and kept inside the value.
        var start = index + 1
        var end = line.upperBound
        while start < end, isOptionalWhitespace(base.load(fromByteOffset: start, as: UInt8.self)) { start += 1 }
        while end > start, isOptionalWhitespace(base.load(fromByteOffset: end - 1, as: UInt8.self)) { end -= 1 }
        guard isFieldValue(base, start..<end) else { return nil }
        return (name, start..<end)
    }

    private static func parseDecimal(_ base: UnsafeRawPointer, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 15 else { return nil }
        var value = 0
        for index in range {
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    private static func equalsExactly(_ base: UnsafeRawPointer, _ range: Range<Int>, _ text: StaticString) -> Bool {
        guard range.count == text.utf8CodeUnitCount else { return false }
        if range.count == 8 {  // the version
            return base.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt64.self)
                == UnsafeRawPointer(text.utf8Start).loadUnaligned(as: UInt64.self)
        }
        for offset in 0..<range.count where base.load(fromByteOffset: range.lowerBound + offset, as: UInt8.self) != text.utf8Start[offset] {
            return false
        }
        return true
    }

    private static func forEachToken(_ base: UnsafeRawPointer, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
        var start = range.lowerBound
        for index in range.lowerBound...range.upperBound
        where index == range.upperBound || base.load(fromByteOffset: index, as: UInt8.self) == UInt8(ascii: ",") {
            var a = start
            var b = index
            while a < b, isOptionalWhitespace(base.load(fromByteOffset: a, as: UInt8.self)) { a += 1 }
            while b > a, isOptionalWhitespace(base.load(fromByteOffset: b - 1, as: UInt8.self)) { b -= 1 }
            if a < b { body(a..<b) }
            start = index + 1
        }
    }
}
