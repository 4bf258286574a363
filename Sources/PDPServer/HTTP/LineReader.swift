// SPDX-License-Identifier: Apache-2.0

/// Splits a head into lines ending in LF, without the line end (a CR right before the LF
/// is dropped; a CR anywhere else fails the field-value check). A line ending in a bare LF
/// sets ``sawBareLineFeed``. A last line without its LF is not returned: the head is
/// incomplete.
struct LineReader {
    let base: UnsafeRawPointer
    let end: Int
    var position = 0
    /// Some line ended in LF without a CR before it (the caller rejects the head).
    var sawBareLineFeed = false

    init(base: UnsafeRawPointer, end: Int) {
        self.base = base
        self.end = end
    }

    mutating func next() -> Range<Int>? {
        guard position < end else { return nil }
        let index = RequestHeadParser.firstNewline(base, from: position, end: end)
        guard index < end else { return nil }
        var lineEnd = index
        if lineEnd > position, base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == UInt8(ascii: "\r") {
            lineEnd -= 1
        } else {
            sawBareLineFeed = true
        }
        let line = position..<lineEnd
        position = index + 1
        return line
    }
}
