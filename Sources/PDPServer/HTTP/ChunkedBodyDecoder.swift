// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Decodes a `Transfer-Encoding: chunked` body incrementally (RFC 9112 §7.1), strictly.
///
/// Every line ends in CRLF (a bare LF is malformed, as in heads). Chunk sizes are hex, at
/// most 8 significant digits (leading zeros aside); extensions after `;` are ignored but may
/// hold no control bytes; size lines are at most 1 KiB. The decoded body may not exceed the
/// body limit. Trailer fields are checked as header fields and dropped; together they may not
/// exceed `maxTrailerBytes` or ``RequestHeadParser/maxFields`` fields.
struct ChunkedBodyDecoder {
    enum Outcome: Equatable {
        case needMoreData
        case done
        case malformed(String)
        case tooLarge
        case trailersTooLarge
    }

    private enum Phase {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    private var phase = Phase.size
    private var trailerBytes = 0
    private var trailerFields = 0
    static let maxLineBytes = 1024

    /// Consumes what it can from `input`, appending chunk data to `body`.
    mutating func decode(_ input: inout ByteBuffer, into body: inout ByteBuffer, limit: Int, maxTrailerBytes: Int) -> Outcome {
        while true {
            switch phase {
            case .size:
                guard let line = readLine(&input, maxBytes: Self.maxLineBytes) else {
                    return input.readableBytes > Self.maxLineBytes ? .malformed("chunk size line too long") : .needMoreData
                }
                guard case .line(let text) = line else { return .malformed("a chunk line ends in LF without CR") }
                guard let size = Self.parseSize(text) else { return .malformed("invalid chunk size") }
                if size == 0 {
                    phase = .trailers
                } else {
                    guard body.readableBytes + size <= limit else { return .tooLarge }
                    phase = .data(remaining: size)
                }
            case .data(let remaining):
                guard input.readableBytes > 0 else { return .needMoreData }
                let take = min(remaining, input.readableBytes)
                guard var chunk = input.readSlice(length: take) else { return .needMoreData }
                body.writeBuffer(&chunk)
                phase = take == remaining ? .dataEnd : .data(remaining: remaining - take)
            case .dataEnd:
                guard input.readableBytes >= 2 else { return .needMoreData }
                guard input.readInteger(as: UInt16.self) == 0x0D0A else { return .malformed("chunk data not followed by CRLF") }
                phase = .size
            case .trailers:
                guard let line = readLine(&input, maxBytes: max(0, maxTrailerBytes - trailerBytes)) else {
                    return input.readableBytes > maxTrailerBytes - trailerBytes ? .trailersTooLarge : .needMoreData
                }
                guard case .line(let text) = line else { return .malformed("a trailer line ends in LF without CR") }
                if text.isEmpty { return .done }
                trailerBytes += text.count + 2
                trailerFields += 1
                guard trailerFields <= RequestHeadParser.maxFields else { return .trailersTooLarge }
                let valid = text.withUnsafeBytes { bytes in
                    bytes.baseAddress.map { RequestHeadParser.splitField($0, 0..<bytes.count) != nil } ?? false
                }
                guard valid else { return .malformed("malformed trailer field") }
            }
        }
    }

    private enum Line {
        /// The line without its CRLF.
        case line([UInt8])
        /// The line ended in LF without a CR.
        case bareLineFeed
    }

    /// The next line if a full one of at most `maxBytes` (CRLF aside) is buffered.
    private func readLine(_ input: inout ByteBuffer, maxBytes: Int) -> Line? {
        let view = input.readableBytesView
        guard let newline = view.prefix(maxBytes + 2).firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - view.startIndex
        guard length > 0, view[newline - 1] == UInt8(ascii: "\r"), var line = input.readBytes(length: length) else {
            return .bareLineFeed
        }
        input.moveReaderIndex(forwardBy: 1)
        line.removeLast()
        return .line(line)
    }

    private static func parseSize(_ line: [UInt8]) -> Int? {
        // Extensions are skipped, but a control byte in one is as malformed as in a head.
        guard !line.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) else { return nil }
        var digits = line[...]
        if let semicolon = line.firstIndex(of: UInt8(ascii: ";")) { digits = line[..<semicolon] }
        while digits.last == UInt8(ascii: " ") || digits.last == UInt8(ascii: "\t") { digits = digits.dropLast() }
        while digits.count > 1, digits.first == UInt8(ascii: "0") { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value = 0
        for byte in digits {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value << 4 | digit
        }
        return value
    }
}
