// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// Writes an `/allowed/bulk` answer incrementally:
/// `{"allow":[{"allow":b,"result":b},…]}`, one entry per input item, in order.
///
/// Call ``begin(into:)``, then ``append(allow:into:)`` per item, then ``end(into:)``. If
/// reading the bulk body fails half-way, move the buffer's writer index back to where
/// ``begin(into:)`` started and answer the error instead. Allocates nothing beyond buffer growth.
public struct BulkAllowedResponseWriter: Sendable {
    /// Number of items appended so far.
    public private(set) var count: Int = 0

    /// A writer with no items.
    public init() {}

    /// Writes `{"allow":[`.
    @inlinable
    public func begin(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"allow":["#)
    }

    /// Writes one `{"allow":b,"result":b}` entry, preceded by a comma after the first.
    public mutating func append(allow: Bool, into buffer: inout ByteBuffer) {
        AllowedResponseWriter.writeEntry(allow: allow, afterComma: count > 0, into: &buffer)
        count += 1
    }

    /// Writes `]}`.
    @inlinable
    public func end(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("]}")
    }
}
