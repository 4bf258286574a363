// SPDX-License-Identifier: Apache-2.0

import NIOCore

extension CheckRequestReader {
    /// ``read(_:scratch:limits:_:)`` over the readable bytes of `buffer` (the reader index
    /// does not move).
    @inlinable
    public static func read<R>(
        _ buffer: ByteBuffer,
        scratch: JSONScratch,
        limits: JSONLimits = .default,
        _ body: (borrowing CheckFields) -> R
    ) throws(WireError) -> R {
        let result: Result<R, WireError> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(WireError) in try read(bytes, scratch: scratch, limits: limits, body) }
        }
        return try result.get()
    }

    /// ``readBulk(_:scratch:limits:maxItems:_:)`` over the readable bytes of `buffer`.
    @inlinable
    @discardableResult
    public static func readBulk(
        _ buffer: ByteBuffer,
        scratch: JSONScratch,
        limits: JSONLimits = .default,
        maxItems: Int,
        _ body: (Int, borrowing CheckFields) -> Void
    ) throws(WireError) -> Int {
        let result: Result<Int, WireError> = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(WireError) in
                try readBulk(bytes, scratch: scratch, limits: limits, maxItems: maxItems, body)
            }
        }
        return try result.get()
    }
}
