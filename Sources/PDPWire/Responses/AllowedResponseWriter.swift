// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// Writes `/allowed` (and per-item `/allowed/bulk`) answers: `{"allow":b,"result":b}`.
///
/// `result` duplicates `allow` as the real PDP does (permit-wire.md §3.1, §6 rule 4). The
/// constant parts are static strings, so writing allocates nothing beyond buffer growth.
public enum AllowedResponseWriter {
    /// Writes `{"allow":true,"result":true}` or the `false` variant.
    @inlinable
    public static func write(allow: Bool, into buffer: inout ByteBuffer) {
        writeEntry(allow: allow, afterComma: false, into: &buffer)
    }

    /// Writes the answer, preceded by a comma when `afterComma` (a bulk answer's later
    /// entries): one write either way, from one literal per decision.
    @inlinable @inline(__always)
    static func writeEntry(allow: Bool, afterComma: Bool, into buffer: inout ByteBuffer) {
        let entry: StaticString = allow ? #",{"allow":true,"result":true}"# : #",{"allow":false,"result":false}"#
        let skip = afterComma ? 0 : 1
        buffer.writeBytes(UnsafeRawBufferPointer(start: entry.utf8Start + skip, count: entry.utf8CodeUnitCount - skip))
    }

    /// Writes the answer with a `debug` member holding `debugJSON` verbatim.
    ///
    /// `debugJSON` must be one encoded JSON object (Go's SDK fails on any other type); it is
    /// not validated here.
    public static func write(allow: Bool, debugJSON: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        writeOpening(allow: allow, into: &buffer)
        buffer.writeBytes(debugJSON)
        buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Writes the answer with `"debug":{"reason":"…"}`, the reason escaped as a JSON string.
    public static func write(allow: Bool, debugReason: String, into buffer: inout ByteBuffer) {
        writeOpening(allow: allow, into: &buffer)
        buffer.writeStaticString(#"{"reason":"#)
        buffer.writeJSONString(debugReason)
        buffer.writeStaticString("}}")
    }

    private static func writeOpening(allow: Bool, into buffer: inout ByteBuffer) {
        if allow {
            buffer.writeStaticString(#"{"allow":true,"result":true,"debug":"#)
        } else {
            buffer.writeStaticString(#"{"allow":false,"result":false,"debug":"#)
        }
    }
}
