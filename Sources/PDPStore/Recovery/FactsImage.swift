// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// A data directory as recovery read it, checksums and sequence numbers proven, before the
/// state is built: the snapshot's encoded facts and the journal transactions after them.
///
/// Building the ``FactsState`` (persistent maps, about 3 s for a million users on this
/// machine) is not needed to answer checks: the server builds its decision index straight
/// from these bytes with ``readSnapshot(into:)`` (no string or map per fact), goes ready,
/// and materializes the state for the facts API afterwards (``materialize()``).
public struct FactsImage: Sendable {
    /// `nil` when the directory had no snapshot.
    var snapshot: SnapshotFormat.Contents?
    var snapshotFile = "facts.snapshot"
    /// The journal transactions after the snapshot, in commit order.
    public internal(set) var transactions: [[FactsMutation]] = []
    /// The sequence number of the last transaction the image holds.
    public internal(set) var lastSequence: UInt64 = 0

    init() {}

    /// The image of a directory whose snapshot holds `state` (format 2) and whose journal
    /// holds `transactions` after it: for tests and benchmarks of what is built from one.
    public init(snapshotOf state: FactsState, transactions: [[FactsMutation]] = []) {
        let bytes = SnapshotFormat.encode(state, sequence: 1)
        snapshot = .payload(bytes[SnapshotFormat.headerSize...])
        self.transactions = transactions
        lastSequence = 1 + UInt64(transactions.count)
    }

    /// The facts: the snapshot's state with every transaction applied.
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` when the snapshot's bytes,
    ///   though their checksum matches, do not decode.
    public func materialize() throws(FactsStoreError) -> FactsState {
        var state: FactsState
        switch snapshot {
        case nil: state = FactsState()
        case .state(let decoded)?: state = decoded
        case .payload(let payload)?: state = try SnapshotFormat.decodeState(payload, file: snapshotFile)
        }
        for mutations in transactions { state.apply(mutations) }
        return state
    }

    /// Walks the snapshot's facts in file order (tenants, then users by key, then assignments
    /// by user, tenant and role, as ``FactsCodec`` writes them), handing the keys over as the
    /// bytes in the file: nothing is allocated per user or assignment. Every record is
    /// checked as the full decoder checks it.
    /// - Returns: `false`, having visited nothing or part, when the snapshot is not a plain
    ///   list of puts (format 1, or deletions in it): build from ``materialize()`` then.
    ///   `true` with no visits when there is no snapshot.
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` for bytes that do not decode.
    public func readSnapshot(into visitor: inout some FactsSnapshotVisitor) throws(FactsStoreError) -> Bool {
        guard let snapshot else { return true }
        guard case .payload(let payload) = snapshot else { return false }
        let outcome: Result<Bool, BinaryReader.Malformed> = payload.withUnsafeBytes { raw in
            Result { () throws(BinaryReader.Malformed) -> Bool in
                var reader = RawReader(raw)
                let records = try reader.count()
                visitor.begin(records: records)
                for _ in 0..<records {
                    let start = reader.index
                    switch try reader.u8() {
                    case 1:
                        let key = try reader.string()
                        for _ in 0..<3 { try reader.skipOptionalString() }
                        try reader.skipAttributes()
                        try reader.skip(16)
                        visitor.user(key)
                    case 3:
                        // Tenants are few: decoded whole, by the full decoder.
                        var full = BinaryReader(payload[(payload.startIndex + start)...])
                        guard case .putTenant(let tenant) = try FactsCodec.readMutation(&full) else { return false }
                        try reader.skip(full.index - (payload.startIndex + start) - 1)
                        visitor.tenant(tenant)
                    case 5:
                        let user = try reader.string()
                        let role = try reader.string()
                        let tenant = try reader.string()
                        try reader.skip(8)
                        visitor.assignment(user: user, role: role, tenant: tenant)
                    case 2, 4, 6:
                        return false
                    case let tag:
                        throw BinaryReader.Malformed(description: "unknown mutation tag \(tag)")
                    }
                }
                guard reader.isAtEnd else { throw BinaryReader.Malformed(description: "trailing bytes in record") }
                visitor.end()
                return true
            }
        }
        do {
            return try outcome.get()
        } catch {
            throw .corruptSnapshot(file: snapshotFile, reason: error.description)
        }
    }
}

/// What ``FactsImage/readSnapshot(into:)`` hands the facts of a snapshot to. The buffers are
/// valid only during the call.
public protocol FactsSnapshotVisitor {
    /// First, with the number of facts that follow (tenants, users and assignments).
    mutating func begin(records: Int)
    mutating func tenant(_ record: TenantRecord)
    mutating func user(_ key: UnsafeRawBufferPointer)
    mutating func assignment(user: UnsafeRawBufferPointer, role: UnsafeRawBufferPointer, tenant: UnsafeRawBufferPointer)
    /// Last, while the buffers handed over are still valid, when every record was read.
    mutating func end()
}

/// ``BinaryReader``'s checks over raw bytes, returning strings as the bytes themselves and
/// skipping what the decision index does not need.
private struct RawReader {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    @inline(__always)
    mutating func skip(_ count: Int) throws(BinaryReader.Malformed) {
        guard count >= 0, bytes.count - index >= count else { throw BinaryReader.Malformed(description: "record ends early") }
        index += count
    }

    @inline(__always)
    mutating func u8() throws(BinaryReader.Malformed) -> UInt8 {
        guard index < bytes.count else { throw BinaryReader.Malformed(description: "record ends early") }
        defer { index += 1 }
        return bytes[index]
    }

    @inline(__always)
    mutating func count() throws(BinaryReader.Malformed) -> Int {
        guard bytes.count - index >= 4 else { throw BinaryReader.Malformed(description: "record ends early") }
        let value = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)))
        index += 4
        guard value <= bytes.count - index else { throw BinaryReader.Malformed(description: "count \(value) exceeds the record") }
        return value
    }

    @inline(__always)
    mutating func string() throws(BinaryReader.Malformed) -> UnsafeRawBufferPointer {
        let length = try count()
        defer { index += length }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<index + length])
    }

    mutating func skipOptionalString() throws(BinaryReader.Malformed) {
        if try u8() != 0 { try skip(try count()) }
    }

    mutating func skipAttributes(depth: Int = 0) throws(BinaryReader.Malformed) {
        for _ in 0..<(try count()) {
            try skip(try count())
            try skipAttribute(depth: depth + 1)
        }
    }

    mutating func skipAttribute(depth: Int) throws(BinaryReader.Malformed) {
        guard depth < 128 else { throw BinaryReader.Malformed(description: "attribute nesting too deep") }
        switch try u8() {
        case 0, 1, 2: break
        case 3, 4: try skip(8)
        case 5: try skip(try count())
        case 6: for _ in 0..<(try count()) { try skipAttribute(depth: depth + 1) }
        case 7: try skipAttributes(depth: depth + 1)
        case let tag: throw BinaryReader.Malformed(description: "unknown attribute tag \(tag)")
        }
    }
}
