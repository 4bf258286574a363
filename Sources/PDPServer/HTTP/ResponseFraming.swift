// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOHTTP1

extension ByteBufferAllocator {
    /// A buffer for a response body with room in front for the status line and headers, so
    /// ``ResponseFraming`` can prepend them in place: one buffer and one write per response.
    func responseBuffer(capacity: Int) -> ByteBuffer {
        var buffer = self.buffer(capacity: ResponseFraming.headroom + capacity)
        buffer.skipResponseHeadroom()
        return buffer
    }
}

extension ByteBuffer {
    /// Leaves ``ResponseFraming/headroom`` bytes unused in front of an empty buffer, where the
    /// status line and headers go once the body is written.
    @inline(__always)
    mutating func skipResponseHeadroom() {
        moveWriterIndex(forwardBy: ResponseFraming.headroom)
        moveReaderIndex(forwardBy: ResponseFraming.headroom)
    }
}

/// Writes HTTP/1.1 response heads directly as bytes.
///
/// NIO's `HTTPResponseEncoder` builds an `HTTPHeaders` value (strings in an array) per
/// response and goes through two more pipeline handlers; every answer here has the same
/// three or four headers, so the head is written from constant parts straight in front of
/// the body. That removes several allocations and pipeline hops from every request.
enum ResponseFraming {
    /// Enough for the longest head this server writes.
    static let headroom = 192

    /// Frames `body` in place as a complete response: afterwards it holds the bytes to write.
    ///
    /// Pass a uniquely referenced buffer (not one another variable still holds): otherwise
    /// writing the head into its headroom copies the whole buffer first.
    /// - Parameters:
    ///   - keepAlive: `false` adds `connection: close`.
    ///   - omitBody: for `HEAD`: keep `content-length`, send no body.
    ///   - plainText: `text/plain; version=0.0.4` (Prometheus' text format) instead of JSON.
    static func frame(
        status: HTTPResponseStatus, body: inout ByteBuffer, version: HTTPVersion, keepAlive: Bool, omitBody: Bool,
        allow: String? = nil, plainText: Bool = false, allocator: ByteBufferAllocator
    ) {
        if case .ok = status, keepAlive, !omitBody, allow == nil, !plainText, version == .http1_1, frameOK(&body) { return }
        // The head is composed on the stack, then copied in front of the body.
        withUnsafeTemporaryAllocation(byteCount: headroom + (allow?.utf8.count ?? 0), alignment: 1) { scratch in
            var head = HeadWriter(scratch)
            head.write(version.major == 1 && version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
            if status == .ok {
                head.write("200 OK")
            } else {
                head.write(decimal: Int(status.code))
                head.write(" ")
                head.write(string: status.reasonPhrase)
            }
            head.write(plainText ? "\r\ncontent-type: text/plain; version=0.0.4; charset=utf-8\r\ncontent-length: " : "\r\ncontent-type: application/json\r\ncontent-length: ")
            head.write(decimal: body.readableBytes)
            if !keepAlive {
                head.write("\r\nconnection: close")
            } else if version.major == 1 && version.minor == 0 {
                head.write("\r\nconnection: keep-alive")
            }
            if let allow {
                head.write("\r\nallow: ")
                head.write(string: allow)
            }
            head.write("\r\n\r\n")
            let bytes = UnsafeRawBufferPointer(rebasing: scratch[..<head.count])
            if omitBody {
                var out = allocator.buffer(capacity: bytes.count)
                out.writeBytes(bytes)
                body = out
            } else if body.readerIndex >= bytes.count {
                // The usual case: bodies come from `responseBuffer`, so the head fits in front.
                let start = body.readerIndex - bytes.count
                body.setBytes(bytes, at: start)
                body.moveReaderIndex(to: start)
            } else {
                var out = allocator.buffer(capacity: bytes.count + body.readableBytes)
                out.writeBytes(bytes)
                out.writeBuffer(&body)
                body = out
            }
        }
    }

    /// The answer to nearly every request (`200`, HTTP/1.1, keep-alive), written straight
    /// into the body's headroom from one literal and the length's digits. Returns `false`,
    /// changing nothing, when the headroom is too small.
    @inline(__always)
    private static func frameOK(_ body: inout ByteBuffer) -> Bool {
        let prefix: StaticString = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        let length = body.readableBytes
        let digits = decimalDigits(length)
        let headLength = prefix.utf8CodeUnitCount + digits + 4
        guard body.readerIndex >= headLength else { return false }
        let start = body.readerIndex - headLength
        body.withVeryUnsafeMutableBytes { storage in
            let head = storage.baseAddress! + start
            head.copyMemory(from: prefix.utf8Start, byteCount: prefix.utf8CodeUnitCount)
            storeDecimal(length, digits: digits, at: head + prefix.utf8CodeUnitCount)
            head.storeBytes(of: 0x0A0D_0A0D, toByteOffset: prefix.utf8CodeUnitCount + digits, as: UInt32.self)
        }
        body.moveReaderIndex(to: start)
        return true
    }

    /// Appends ASCII to a fixed stack buffer sized by ``headroom`` (plus any `allow` value).
    private struct HeadWriter {
        let buffer: UnsafeMutableRawBufferPointer
        var count = 0

        init(_ buffer: UnsafeMutableRawBufferPointer) { self.buffer = buffer }

        mutating func write(_ text: StaticString) {
            let bytes = UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            UnsafeMutableRawBufferPointer(rebasing: buffer[count..<count + bytes.count]).copyMemory(from: bytes)
            count += bytes.count
        }

        mutating func write(string: String) {
            for byte in string.utf8 {
                buffer[count] = byte
                count += 1
            }
        }

        mutating func write(decimal value: Int) {
            let value = max(0, value)
            let digits = decimalDigits(value)
            precondition(count + digits <= buffer.count)
            storeDecimal(value, digits: digits, at: buffer.baseAddress! + count)
            count += digits
        }
    }

    /// The number of decimal digits of `value` (at least 0).
    @inline(__always)
    private static func decimalDigits(_ value: Int) -> Int {
        var digits = 1
        var probe = value
        while probe >= 10 {
            probe /= 10
            digits += 1
        }
        return digits
    }

    /// Writes `value` (at least 0, of `digits` digits) as ASCII at `start`.
    @inline(__always)
    private static func storeDecimal(_ value: Int, digits: Int, at start: UnsafeMutableRawPointer) {
        var n = value
        var index = digits
        repeat {
            index -= 1
            start.storeBytes(of: UInt8(ascii: "0") + UInt8(n % 10), toByteOffset: index, as: UInt8.self)
            n /= 10
        } while n > 0
    }

    /// `100 Continue`, for clients that wait for it before sending a body (curl does above 1 KiB).
    static func continueResponse(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 25)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        return buffer
    }
}
