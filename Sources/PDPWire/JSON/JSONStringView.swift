// SPDX-License-Identifier: Apache-2.0

/// A decoded JSON string, as UTF-8 bytes, without owning them.
///
/// The bytes live either in the request body (no escapes) or in the caller's ``JSONScratch``
/// (escapes decoded). A view is valid only while the body is alive and until the scratch is
/// used for the next read, in practice: inside the closure it was handed to. Copy it out with
/// ``string`` when it must live longer.
///
/// The bytes are always valid UTF-8: the reader rejects invalid UTF-8 and lone surrogates.
public struct JSONStringView: CustomStringConvertible {
    /// The UTF-8 bytes of the string.
    public let bytes: UnsafeRawBufferPointer

    /// Wraps `bytes`; the caller promises they are valid UTF-8.
    @inlinable
    public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Number of UTF-8 bytes.
    @inlinable
    public var count: Int { bytes.count }

    /// Whether the string is empty.
    @inlinable
    public var isEmpty: Bool { bytes.isEmpty }

    /// Calls `body` with the UTF-8 bytes.
    @inlinable
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(bytes)
    }

    /// A copy of the string (allocates; not for the hot path).
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Same as ``string``.
    public var description: String { string }

    /// Whether the bytes equal `other`'s UTF-8 bytes.
    @inlinable @inline(__always)
    public func equals(_ other: StaticString) -> Bool {
        guard other.hasPointerRepresentation, other.utf8CodeUnitCount == bytes.count else { return false }
        guard let base = bytes.baseAddress else { return true }
        return WireBytes.equal(base, UnsafeRawPointer(other.utf8Start), count: bytes.count)
    }

    /// Whether the bytes equal `other`'s UTF-8 bytes.
    ///
    /// Labelled so that string literals pick the `StaticString` overload: comparing keys with a
    /// literal then costs a length check and a byte compare, with no `String` retain/release.
    public func equals(string other: String) -> Bool {
        var other = other
        return other.withUTF8 { utf8 in
            guard utf8.count == bytes.count else { return false }
            guard let lhs = bytes.baseAddress, let rhs = utf8.baseAddress else { return true }
            return WireBytes.equal(lhs, UnsafeRawPointer(rhs), count: utf8.count)
        }
    }

    /// A sub-view of `count` bytes starting `offset` bytes in. Callers keep UTF-8 boundaries.
    @usableFromInline
    func slice(_ offset: Int, _ count: Int) -> JSONStringView {
        JSONStringView(bytes: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]))
    }
}
