// SPDX-License-Identifier: Apache-2.0

import NIOCore

/// Appends JSON to a `ByteBuffer`, inserting commas and colons itself.
///
/// Keys are written in the order given. Strings are escaped (`\"`, `\\`, `\b \f \n \r \t`,
/// `\u00XX` for other control characters); non-finite doubles are written as `null` because
/// JSON has no NaN or Infinity. The writer does not check that calls form a valid document
/// (e.g. a value in an object without a key); that is the caller's contract.
public struct JSONWriter {
    /// The buffer written to; take it when done.
    public var buffer: ByteBuffer
    private var needsComma = false
    private var afterKey = false
    private var outerNeedsComma: [Bool] = []

    /// Starts writing at the end of `buffer`.
    public init(buffer: ByteBuffer) {
        self.buffer = buffer
    }

    private mutating func separate() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            buffer.writeInteger(UInt8(ascii: ","))
        }
        needsComma = true
    }

    /// Writes `{`.
    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    /// Writes `}`.
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    /// Writes `[`.
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    /// Writes `]`.
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func open(_ byte: UInt8) {
        separate()
        outerNeedsComma.append(needsComma)
        needsComma = false
        buffer.writeInteger(byte)
    }

    private mutating func close(_ byte: UInt8) {
        buffer.writeInteger(byte)
        needsComma = outerNeedsComma.popLast() ?? true
    }

    /// Writes a member key and its colon; the next call writes the value.
    public mutating func key(_ key: String) {
        separate()
        buffer.writeJSONString(key)
        buffer.writeInteger(UInt8(ascii: ":"))
        afterKey = true
    }

    /// Writes a string.
    public mutating func string(_ value: String) {
        separate()
        buffer.writeJSONString(value)
    }

    /// Writes an integer.
    public mutating func int(_ value: Int) {
        separate()
        buffer.writeString(String(value))
    }

    /// Writes a double (shortest round-trip form); NaN and infinities become `null`.
    public mutating func double(_ value: Double) {
        separate()
        if value.isFinite { buffer.writeString(value.description) } else { buffer.writeStaticString("null") }
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        if value { buffer.writeStaticString("true") } else { buffer.writeStaticString("false") }
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        buffer.writeStaticString("null")
    }

    /// Writes a whole value, objects with members in their stored order.
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .int(let number): int(number)
        case .double(let number): double(number)
        case .string(let text): string(text)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let members):
            beginObject()
            for member in members {
                key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }
}
