// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Reads what ``BinaryWriter`` wrote. Every read is bounds-checked: malformed input throws
/// ``BinaryReader/Malformed``, never traps.
struct BinaryReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private let bytes: ArraySlice<UInt8>
    private(set) var index: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.index = bytes.startIndex
    }

    var isAtEnd: Bool { index == bytes.endIndex }

    private mutating func take(_ count: Int) throws(Malformed) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.endIndex - index >= count else { throw Malformed(description: "record ends early") }
        defer { index += count }
        return bytes[index..<index + count]
    }

    mutating func u8() throws(Malformed) -> UInt8 { try take(1).first ?? 0 }

    mutating func u32() throws(Malformed) -> UInt32 {
        try take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    mutating func u64() throws(Malformed) -> UInt64 {
        try take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func i64() throws(Malformed) -> Int64 { Int64(bitPattern: try u64()) }

    mutating func count() throws(Malformed) -> Int {
        let value = Int(try u32())
        // Every element takes at least one byte: a larger count is corruption, not a request
        // to allocate gigabytes.
        guard value <= bytes.endIndex - index else { throw Malformed(description: "count \(value) exceeds the record") }
        return value
    }

    mutating func string() throws(Malformed) -> String {
        let length = try count()
        return String(decoding: try take(length), as: UTF8.self)
    }

    mutating func optionalString() throws(Malformed) -> String? {
        try u8() == 0 ? nil : try string()
    }

    mutating func attributes(depth: Int = 0) throws(Malformed) -> [String: AttributeValue] {
        var members: [String: AttributeValue] = [:]
        for _ in 0..<(try count()) {
            let key = try string()
            members[key] = try attribute(depth: depth + 1)
        }
        return members
    }

    mutating func attribute(depth: Int = 0) throws(Malformed) -> AttributeValue {
        guard depth < 128 else { throw Malformed(description: "attribute nesting too deep") }
        switch try u8() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(Int(truncatingIfNeeded: try i64()))
        case 4: return .double(Double(bitPattern: try u64()))
        case 5: return .string(try string())
        case 6:
            var elements: [AttributeValue] = []
            for _ in 0..<(try count()) { elements.append(try attribute(depth: depth + 1)) }
            return .array(elements)
        case 7: return .object(try attributes(depth: depth + 1))
        case let tag: throw Malformed(description: "unknown attribute tag \(tag)")
        }
    }
}
