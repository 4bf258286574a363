// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// Decodes a `Transfer-Encoding: chunked` body incrementally (RFC 9112 §7.1).
///
/// Chunk extensions are ignored; trailer fields are read and dropped. Chunk sizes are at most
/// 8 hex digits and size lines at most 1 KiB, and the decoded body may not exceed the limit.
struct ChunkedBodyDecoder {
    enum Outcome: Equatable {
        case needMoreData
        case done
        case malformed
        case tooLarge
    }

    private enum Phase {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
    }

    private var phase = Phase.size
    static let maxLineBytes = 1024

    /// Consumes what it can from `input`, appending chunk data to `body`.
    mutating func decode(_ input: inout ByteBuffer, into body: inout ByteBuffer, limit: Int) -> Outcome {
        while true {
            switch phase {
            case .size:
                guard let line = readLine(&input) else {
                    return input.readableBytes > Self.maxLineBytes ? .malformed : .needMoreData
                }
                guard let size = Self.parseSize(line) else { return .malformed }
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
                guard let line = readLine(&input) else {
                    return input.readableBytes > 2 ? .malformed : .needMoreData
                }
                guard line.isEmpty else { return .malformed }
                phase = .size
            case .trailers:
                guard let line = readLine(&input) else {
                    return input.readableBytes > Self.maxLineBytes ? .malformed : .needMoreData
                }
                if line.isEmpty { return .done }
            }
        }
    }

    /// A line without its CRLF (or bare LF); `nil` when no full line is buffered.
    private func readLine(_ input: inout ByteBuffer) -> [UInt8]? {
        let view = input.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let length = newline - view.startIndex
        guard length <= Self.maxLineBytes, var line = input.readBytes(length: length) else { return nil }
        input.moveReaderIndex(forwardBy: 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }

    private static func parseSize(_ line: [UInt8]) -> Int? {
        var digits = line[...]
        if let semicolon = line.firstIndex(of: UInt8(ascii: ";")) { digits = line[..<semicolon] }
        while digits.last == UInt8(ascii: " ") || digits.last == UInt8(ascii: "\t") { digits = digits.dropLast() }
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
