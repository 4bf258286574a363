// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// Appends little-endian integers, length-prefixed strings and attribute values to bytes.
///
/// The storage format of journal records and snapshots; ``BinaryReader`` reads it back.
struct BinaryWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }

    mutating func string(_ value: String) {
        u32(UInt32(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        if let value {
            u8(1)
            string(value)
        } else {
            u8(0)
        }
    }

    mutating func attributes(_ members: [String: AttributeValue]) {
        u32(UInt32(members.count))
        for key in members.keys.sorted() {
            string(key)
            attribute(members[key] ?? .null)
        }
    }

    mutating func attribute(_ value: AttributeValue) {
        switch value {
        case .null: u8(0)
        case .bool(let flag): u8(flag ? 2 : 1)
        case .int(let number):
            u8(3)
            i64(Int64(number))
        case .double(let number):
            u8(4)
            u64(number.bitPattern)
        case .string(let text):
            u8(5)
            string(text)
        case .array(let elements):
            u8(6)
            u32(UInt32(elements.count))
            for element in elements { attribute(element) }
        case .object(let members):
            u8(7)
            attributes(members)
        }
    }
}
