// SPDX-License-Identifier: Apache-2.0

/// Checks `Authorization: Bearer <key>` headers.
///
/// The scheme is matched case-insensitively (Python SDK 2.6.5 sends `bearer`). The key is
/// compared in constant time: the time taken depends only on the lengths, never on how many
/// leading bytes match, so it cannot be guessed byte by byte from response times.
struct APIKeyAuthenticator: Sendable {
    enum Verdict: Equatable {
        case accepted
        /// No `Authorization` header: 401.
        case missing
        /// A header with the wrong scheme or key: 403.
        case rejected
    }

    private let key: [UInt8]?

    init(apiKey: String?) {
        key = apiKey.map { Array($0.utf8) }
    }

    func verify(_ header: String?) -> Verdict {
        guard key != nil else { return .accepted }
        guard var header else { return .missing }
        return header.withUTF8 { verify(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Checks an `Authorization` value given as bytes (`nil` when the header is absent).
    func verify(bytes: UnsafeRawBufferPointer?) -> Verdict {
        guard let key else { return .accepted }
        guard let bytes else { return .missing }
        let scheme: StaticString = "bearer "
        guard bytes.count >= scheme.utf8CodeUnitCount else { return .rejected }
        for i in 0..<scheme.utf8CodeUnitCount {
            let byte = bytes[i]
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != scheme.utf8Start[i] { return .rejected }
        }
        var start = scheme.utf8CodeUnitCount
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") { end -= 1 }
        return Self.constantTimeEquals(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), key) ? .accepted : .rejected
    }

    /// Compares the common length eight bytes at a time, with no early exit, and folds the
    /// length difference in: the time depends on the lengths only.
    static func constantTimeEquals(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Bool {
        b.withUnsafeBytes { b in
            let count = min(a.count, b.count)
            var difference = UInt64(truncatingIfNeeded: a.count ^ b.count)
            guard count > 0, let x = a.baseAddress, let y = b.baseAddress else { return difference == 0 }
            var index = 0
            while index &+ 8 <= count {
                difference |= x.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ y.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                index &+= 8
            }
            while index < count {
                difference |= UInt64(x.load(fromByteOffset: index, as: UInt8.self) ^ y.load(fromByteOffset: index, as: UInt8.self))
                index &+= 1
            }
            return difference == 0
        }
    }
}
