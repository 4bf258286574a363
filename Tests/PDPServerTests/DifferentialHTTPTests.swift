// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import PDPServer

/// The hand-written request parser (``RequestHeadParser`` and ``ChunkedBodyDecoder``) against
/// NIOHTTP1's `HTTPRequestDecoder` (llhttp), on generated and mutated requests
/// (``RequestMutator``): whatever both accept must frame to the same method, target, version,
/// header fields and body; whatever NIO rejects must not get a decision from the production
/// pipeline; whatever only this parser rejects must be one of the deliberate differences
/// below, each with its reason.
@Suite struct DifferentialHTTPTests {
    // Differences found by this test and fixed in the parser (both failed here before):
    // - a repeated Content-Length with the same value was accepted (llhttp: "unexpected
    //   content-length header"), and answered with a decision: now 400;
    // - a request target that is not origin-form (`POST 0/allowed`) was accepted (llhttp:
    //   "invalid URL"): now 400.
    struct Framed: Equatable, CustomStringConvertible {
        var method: String
        var target: String
        var version: String
        var fields: [String]
        var body: [UInt8]
        var description: String { "\(method) \(target) \(version) \(fields) body \(body.count) bytes" }
    }

    enum Verdict {
        case accepted(Framed)
        case rejected(String)
        case incomplete
    }

    /// Rejections of this parser that llhttp does not make, on purpose (RFC 9112 read
    /// strictly; a proxy in front that reads a request differently is how requests are
    /// smuggled). Matched against the start of the parser's reason.
    static let deliberate: [(reason: String, why: String)] = [
        ("a line ends in LF without CR", "RFC 9112 §2.2 lets a server accept a bare LF; a proxy that does not splits the request differently"),
        ("malformed chunked body: a chunk line ends in LF without CR", "the same, in chunk size lines"),
        ("missing Host header", "RFC 9112 §3.2: a server must answer 400 to an HTTP/1.1 request without Host"),
        ("more than one Host header", "RFC 9112 §3.2: the same for more than one Host"),
        ("more than one Authorization header", "which one is the credential would be a guess"),
        ("Transfer-Encoding in an HTTP/1.0 request", "RFC 9112 §6.1: chunked framing in HTTP/1.0 cannot be trusted"),
        ("only the chunked transfer coding is supported", "501 for codings this server does not decode (llhttp passes them through)"),
        ("more than one Transfer-Encoding header", "two Transfer-Encoding lines: a classic smuggling vector"),
        ("both Transfer-Encoding and Content-Length", "RFC 9112 §6.3 allows a server to drop Content-Length; rejecting is safer"),
        ("malformed header field", "a field value with control bytes other than HTAB, or a name with non-token bytes (llhttp is lenient on some)"),
        ("malformed request line", "non-token methods, a target with bytes outside visible ASCII, or extra spaces"),
        ("invalid Content-Length", "a Content-Length that is not one to fifteen decimal digits, including an empty one and a list"),
        ("malformed chunked body: chunk size", "chunk sizes over 8 hex digits, or with bytes llhttp skips"),
        ("malformed chunked body: chunk extension", "control bytes in a chunk extension"),
        ("malformed chunked body: malformed trailer field", "trailer fields are read as strictly as header fields"),
        ("unsupported expectation", "417 for any Expect but 100-continue (RFC 9110 §10.1.1)"),
    ]

    /// Requests llhttp rejects and this parser accepts, on purpose; allowed only because the
    /// server answers them without a decision (the test checks that every time). Matched
    /// against the start of NIO's error.
    static let acceptedOnlyHere: [(error: String, why: String)] = [
        ("invalid HTTP method", "RFC 9110 §9.1 allows extension methods (any token); llhttp knows a fixed list. The router answers 405 or 404"),
    ]

    static let maxHeaderBytes = 16 * 1024

    // MARK: this server's parser

    static func ours(_ input: [UInt8]) -> Verdict {
        // Blank lines before a request are skipped, as the connection handler does.
        let start = input.firstIndex { $0 != 0x0D && $0 != 0x0A } ?? input.count
        let bytes = Array(input[start...])
        var head = RequestHead()
        let outcome = bytes.withUnsafeBytes { RequestHeadParser.parse($0, maxHeaderBytes: maxHeaderBytes, into: &head) }
        let length: Int
        switch outcome {
        case .incomplete: return .incomplete
        case .invalid(_, let reason): return .rejected(reason)
        case .complete(let headLength): length = headLength
        }
        var fields: [String] = []
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var lineStart = bytes.firstRange(of: [0x0D, 0x0A])!.upperBound
            while lineStart < length - 2 {
                let lineEnd = bytes[lineStart...].firstRange(of: [0x0D, 0x0A])!.lowerBound
                if let field = RequestHeadParser.splitField(base, lineStart..<lineEnd) {
                    fields.append(String(decoding: bytes[field.name], as: UTF8.self) + ": " + String(decoding: bytes[field.value], as: UTF8.self))
                }
                lineStart = lineEnd + 2
            }
        }
        var body: [UInt8] = []
        switch head.framing {
        case .none:
            break
        case .length(let count):
            guard bytes.count - length >= count else { return .incomplete }
            body = Array(bytes[length..<length + count])
        case .chunked:
            var decoder = ChunkedBodyDecoder()
            var input = ByteBuffer(bytes: bytes[length...])
            var decoded = ByteBuffer()
            switch decoder.decode(&input, into: &decoded, limit: 1 << 20, maxTrailerBytes: maxHeaderBytes) {
            case .done: body = Array(decoded.readableBytesView)
            case .needMoreData: return .incomplete
            case .malformed(let reason): return .rejected("malformed chunked body: \(reason)")
            case .tooLarge: return .rejected("body too large")
            case .trailersTooLarge: return .rejected("trailers too large")
            }
        }
        let version = "HTTP/\(head.version.major).\(head.version.minor)"
        return .accepted(Framed(method: head.method.rawValue, target: head.uri, version: version, fields: fields, body: body))
    }

    // MARK: NIO's parser

    static func nio(_ bytes: [UInt8]) -> Verdict {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
        defer { _ = try? channel.finish() }
        var thrown: (any Error)?
        do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch { thrown = error }
        var head: HTTPRequestHead?
        var body: [UInt8] = []
        reading: while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head(let value): head = value
            case .body(let buffer): body += buffer.readableBytesView
            case .end:
                // The first request is complete: what follows it does not change its framing.
                guard let head else { break reading }
                // llhttp keeps whitespace after a field value, which RFC 9110 §5.5 says is
                // not part of it (this parser drops it): compared without it.
                let fields = head.headers.map { "\($0.name): \(Self.droppingTrailingWhitespace($0.value))" }
                let version = "HTTP/\(head.version.major).\(head.version.minor)"
                return .accepted(Framed(method: head.method.rawValue, target: head.uri, version: version, fields: fields, body: body))
            }
        }
        if let thrown { return .rejected("\(thrown)") }
        return .incomplete
    }

    // MARK: the production pipeline

    static let state = ServerState(
        store: SnapshotStore(try! Fixtures.snapshot()), configuration: ServerConfiguration(apiKey: HTTPRequest.apiKey),
        logger: Logger(label: "differential", factory: { _ in SwiftLogNoOpLogHandler() }))

    /// The first answer the production pipeline writes for `bytes`, as text ("" for none).
    static func firstAnswer(_ bytes: [UInt8]) throws -> String {
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try PDPServer.configurePipeline(channel.pipeline.syncOperations, state: state)
        try? channel.writeInbound(ByteBuffer(bytes: bytes))
        channel.pipeline.fireChannelReadComplete()
        guard let first = try channel.readOutbound(as: ByteBuffer.self) else { return "" }
        return String(buffer: first)
    }

    static func droppingTrailingWhitespace(_ value: String) -> Substring {
        var value = Substring(value)
        while let last = value.last, last == " " || last == "\t" { value = value.dropLast() }
        return value
    }

    static func show(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self).debugDescription }

    @Test("20,000 generated and mutated requests: both parsers frame alike, every other difference is deliberate, NIO's rejections get no decision")
    func differential() throws {
        var mutator = RequestMutator(seed: 0xD1FF_2026)
        var tally = (bothAccepted: 0, bothRejected: 0, deliberate: [String: Int](), nioRejectedOnly: 0)
        for index in 0..<20_000 {
            let bytes = mutator.next()
            let mine = Self.ours(bytes)
            let theirs = Self.nio(bytes)
            switch (mine, theirs) {
            case (.accepted(let a), .accepted(let b)):
                tally.bothAccepted += 1
                #expect(a == b, "case \(index): framed differently\n ours: \(a)\n nio:  \(b)\n \(Self.show(bytes))")
            case (.accepted(let a), .rejected(let why)):
                if let entry = Self.acceptedOnlyHere.first(where: { why.hasPrefix($0.error) }) {
                    tally.deliberate["accepted here: " + entry.error, default: 0] += 1
                } else {
                    tally.nioRejectedOnly += 1
                    Issue.record("case \(index): NIO rejects (\(why)) what this parser accepts as \(a)\n \(Self.show(bytes))")
                }
            case (.accepted(let a), .incomplete):
                Issue.record("case \(index): this parser accepts as \(a) what NIO is still reading\n \(Self.show(bytes))")
            case (.rejected(let reason), .accepted):
                if let entry = Self.deliberate.first(where: { reason.hasPrefix($0.reason) }) {
                    tally.deliberate[entry.reason, default: 0] += 1
                } else {
                    Issue.record("case \(index): only this parser rejects (\(reason)), and that is not listed as deliberate\n \(Self.show(bytes))")
                }
            case (.rejected, _):
                tally.bothRejected += 1
            case (.incomplete, .accepted(let b)):
                Issue.record("case \(index): NIO accepts as \(b) what this parser is still reading\n \(Self.show(bytes))")
            case (.incomplete, _):
                break
            }
            // Whatever NIO rejects gets no decision (and nothing else that succeeds).
            if case .rejected = theirs {
                let answer = try Self.firstAnswer(bytes)
                #expect(!answer.hasPrefix("HTTP/1.1 2"), "case \(index): NIO rejects it, the server answered \(answer)\n \(Self.show(bytes))")
            }
        }
        #expect(tally.bothAccepted > 5_000, "too few requests both accept: the generator mutates too much")
        #expect(tally.nioRejectedOnly == 0)
        print("differential HTTP: \(tally.bothAccepted) framed alike, \(tally.bothRejected) rejected by both, deliberate: \(tally.deliberate.sorted { $0.key < $1.key })")
    }
}
