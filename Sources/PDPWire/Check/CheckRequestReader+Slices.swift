// SPDX-License-Identifier: Apache-2.0

// Why slices: a large `/allowed/bulk` body is worth reading on several cores at once, but JSON
// can only be read from the start (a `},{` may sit inside a string or a nested array). So the
// body is cut at places that merely look like item boundaries (``bulkSplitPoints``), each
// slice is read by its own cursor, and every slice checks that it ends exactly where the next
// one starts. Slice 0 starts at the true beginning, so by induction a run in which every
// slice lands on its end was split at real boundaries and read exactly as ``readBulk`` would
// read it. A slice that does not land (a cut inside a string), and any error, tell the caller
// to read the body with ``readBulk`` instead, which also gives the exact error and path.

extension CheckRequestReader {
    /// Offsets where a bulk body (a JSON array of check objects) *probably* starts an item,
    /// near `parts - 1` evenly spaced places: the `{` of a `}` `,` `{` sequence (whitespace
    /// allowed between). Strictly increasing, each after `bytes[0]`; fewer than `parts - 1`
    /// when no such sequence follows a place. Not validated: see
    /// ``readBulkSlice(_:from:to:scratch:limits:maxItems:_:)``.
    public static func bulkSplitPoints(_ bytes: UnsafeRawBufferPointer, parts: Int, into points: inout [Int]) {
        points.removeAll(keepingCapacity: true)
        guard parts > 1, bytes.count > 2 else { return }
        var lowest = 1
        for part in 1..<parts {
            var index = max(lowest, bytes.count / parts * part)
            var found: Int?
            while index < bytes.count {
                guard bytes[index] == UInt8(ascii: "}") else {
                    index &+= 1
                    continue
                }
                var next = skipSpace(bytes, index &+ 1)
                if next < bytes.count, bytes[next] == UInt8(ascii: ",") {
                    next = skipSpace(bytes, next &+ 1)
                    if next < bytes.count, bytes[next] == UInt8(ascii: "{") {
                        found = next
                        break
                    }
                }
                index &+= 1
            }
            guard let found else { return }
            points.append(found)
            lowest = found &+ 1
        }
    }

    /// Reads the items of a bulk body between two offsets from ``bulkSplitPoints``.
    ///
    /// `start` 0 reads the body's opening (`[`); any other `start` must be the `{` of an item.
    /// The slice ends at `end`, which must be the `{` of the item after its last one (`nil`:
    /// the slice ends with the closing `]` and the body). Only `bytes[start..<end]` is read,
    /// so `scratch` grows to the slice's size, not the body's.
    ///
    /// - Parameters:
    ///   - scratch: this slice's own; slices read in parallel must not share one.
    ///   - maxItems: more items than this in the slice returns `nil`.
    ///   - body: called per item, in order, with the item's index within the slice.
    /// - Returns: the number of items; `nil` when `start` or `end` turned out not to be an
    ///   item boundary, or the slice holds more than `maxItems` items.
    /// - Throws: ``WireError`` for a slice that is not valid JSON of the expected shape: a
    ///   wrong cut or an invalid body. Its offset and path count from the slice's start, so
    ///   read the whole body with ``readBulk(_:scratch:limits:maxItems:_:)`` to report it.
    public static func readBulkSlice(
        _ bytes: UnsafeRawBufferPointer,
        from start: Int,
        to end: Int?,
        scratch: JSONScratch,
        limits: JSONLimits = .default,
        maxItems: Int,
        _ body: (Int, borrowing CheckFields) -> Void
    ) throws(WireError) -> Int? {
        try readBulkSlice(bytes, from: start, to: end, scratch: scratch, limits: limits, maxItems: maxItems, sdkShape: true, body)
    }

    /// ``readBulkSlice(_:from:to:scratch:limits:maxItems:_:)``, with the SDK-shape reader on or off.
    static func readBulkSlice(
        _ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int?, scratch: JSONScratch, limits: JSONLimits,
        maxItems: Int, sdkShape: Bool, _ body: (Int, borrowing CheckFields) -> Void
    ) throws(WireError) -> Int? {
        let stop = end ?? bytes.count
        guard start >= 0, start < stop, stop <= bytes.count else { return nil }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<stop])
        var cursor = try JSONCursor(slice, scratch: scratch, limits: limits, sdkShape: sdkShape)
        if start == 0 {
            guard try cursor.peekKind() == .array else { return nil }
            try cursor.enterContainer()
            cursor.skipWhitespace()
            if cursor.index < cursor.end, slice[cursor.index] == UInt8(ascii: "]") {
                // An empty array: nothing to cut, so valid only as the whole body.
                guard end == nil else { return nil }
                cursor.index &+= 1
                try cursor.finish()
                return 0
            }
        } else {
            guard slice[0] == UInt8(ascii: "{") else { return nil }
            // Inside the top-level array, as the item at `start` is if the cut is right.
            cursor.depth = 1
        }
        var count = 0
        while true {
            guard count < maxItems else { return nil }
            let fields = try cursor.readCheckFields()
            body(count, fields)
            count &+= 1
            // After an item: `,` and the next item, or (last slice only) `]` and the end.
            cursor.skipWhitespace()
            guard cursor.index < cursor.end else { return nil }
            let next = slice[cursor.index]
            cursor.index &+= 1
            if next == UInt8(ascii: "]") {
                guard end == nil else { return nil }
                cursor.depth &-= 1
                try cursor.finish()
                return count
            }
            guard next == UInt8(ascii: ",") else { return nil }
            cursor.skipWhitespace()
            if cursor.index == cursor.end { return end == nil ? nil : count }
        }
    }

    @inline(__always)
    private static func skipSpace(_ bytes: UnsafeRawBufferPointer, _ start: Int) -> Int {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { break }
            index &+= 1
        }
        return index
    }
}
