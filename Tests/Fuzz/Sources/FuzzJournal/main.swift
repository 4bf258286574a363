// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: facts files as bytes from disk. The first byte picks the reader:
//   0: the format 2 journal scan (JournalFormat.scan), on the raw bytes
//   1: the format 1 (legacy) journal scan, on the raw bytes
//   2: the snapshot decoder (formats 2 and 1), on the raw bytes
//   3+: the rest as a record payload, framed with valid checksums as a format 2 journal
//       record, a format 1 record and a format 2 snapshot, so the fuzzer reaches the
//       mutation and state decoders behind the checksums it would rarely guess
// Properties checked besides "no crash": a scan never reports more valid bytes than it read,
// its boundaries are increasing and inside the file; a payload that decodes re-encodes to a
// payload that decodes to the same mutations; the framed journal yields exactly them; the
// restart's byte-wise snapshot reader (FactsImage.readSnapshot) accepts exactly what the
// full decoder accepts and hands over the same users, tenants and assignments.
//   scripts/fuzz.sh FuzzJournal 60
import PDPCore
@testable import PDPStore

func checkScan(_ scan: JournalFormat.Scan, count: Int) {
    precondition(scan.validLength <= count, "validLength \(scan.validLength) past the \(count) bytes read")
    precondition(zip(scan.boundaries, scan.boundaries.dropFirst()).allSatisfy { $0 < $1 }, "boundaries not increasing")
    precondition(scan.boundaries.allSatisfy { $0 <= count }, "a boundary past the end")
    if let damage = scan.damage { precondition(damage.offset >= 0 && damage.offset <= count, "damage offset \(damage.offset)") }
    var state = FactsState()
    for transaction in scan.transactions { state.apply(transaction.mutations) }
}

/// What ``FactsImage/readSnapshot(into:)`` hands over, as strings made the way the full
/// decoder makes them.
struct Collector: FactsSnapshotVisitor {
    var users: Set<FactKey> = []
    var tenants: Set<FactKey> = []
    var assignments: Set<AssignmentKey> = []
    var ended = false
    mutating func begin(records: Int) {}
    mutating func tenant(_ record: TenantRecord) { tenants.insert(FactKey(record.key)) }
    mutating func user(_ key: UnsafeRawBufferPointer) { users.insert(FactKey(String(decoding: key, as: UTF8.self))) }
    mutating func assignment(user: UnsafeRawBufferPointer, role: UnsafeRawBufferPointer, tenant: UnsafeRawBufferPointer) {
        assignments.insert(
            AssignmentKey(
                user: String(decoding: user, as: UTF8.self), role: String(decoding: role, as: UTF8.self),
                tenant: String(decoding: tenant, as: UTF8.self)))
    }
    mutating func end() { ended = true }
}

/// The byte-wise reader against the full decoder, on one snapshot payload.
func checkImageReader(_ payload: ArraySlice<UInt8>) {
    let full = try? FactsCodec.decodeState(payload)
    var image = FactsImage()
    image.snapshot = .payload(payload)
    var collector = Collector()
    let plain: Bool?
    do { plain = try image.readSnapshot(into: &collector) } catch { plain = nil }
    guard let full else {
        // Refused, or given up on at a deletion before the damage (then the full decoder runs).
        precondition(plain != true, "the snapshot reader accepted a payload the decoder refuses")
        return
    }
    guard let plain else { preconditionFailure("the snapshot reader refused a payload the decoder accepts") }
    guard plain else { return }
    precondition(collector.ended, "a plain snapshot was read without end()")
    precondition(collector.users == Set(full.users.keys), "the snapshot reader's users differ from the decoder's")
    precondition(collector.tenants == Set(full.tenants.keys), "the snapshot reader's tenants differ from the decoder's")
    precondition(collector.assignments == Set(full.assignments.keys), "the snapshot reader's assignments differ from the decoder's")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJournal(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let input = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    switch mode {
    case 0:
        checkScan(JournalFormat.scan(bytes, file: "fuzz.journal"), count: bytes.count)
    case 1:
        checkScan(LegacyJournalFormat.scan(bytes), count: bytes.count)
    case 2:
        if let (_, state) = try? SnapshotFormat.decode(bytes, file: "fuzz.snapshot") {
            // A decoded state encodes and decodes to itself.
            let again = try? SnapshotFormat.decode(SnapshotFormat.encode(state, sequence: 7), file: "again")
            precondition(again?.state == state, "a decoded snapshot does not survive a round trip")
        }
    default:
        let payload = bytes[...]
        checkImageReader(payload)
        let decoded = try? FactsCodec.decodeMutations(payload)
        if let decoded {
            let reencoded = FactsCodec.encodeMutations(decoded)
            precondition((try? FactsCodec.decodeMutations(reencoded[...])) == decoded, "mutations do not survive a round trip")
        }
        // A valid format 2 journal of one record holding the payload.
        let journal = JournalFormat.fileHeader(baseSequence: 41) + JournalFormat.record(sequence: 42, payload: bytes)
        let scan = JournalFormat.scan(journal, file: "framed.journal")
        checkScan(scan, count: journal.count)
        if let decoded {
            precondition(scan.damage == nil && scan.tornTail == nil && scan.transactions.map(\.mutations) == [decoded], "framed record not read back")
        } else {
            precondition(scan.damage != nil && scan.transactions.isEmpty, "an undecodable payload was not reported as damage")
        }
        // The same payload as a format 1 record (there the payload carries the sequence).
        var legacy = BinaryWriter()
        legacy.u32(UInt32(truncatingIfNeeded: bytes.count))
        legacy.u32(CRC32.checksum(payload))
        checkScan(LegacyJournalFormat.scan(legacy.bytes + bytes), count: legacy.bytes.count + bytes.count)
        _ = try? SnapshotFormat.decode(SnapshotFormat.legacyMagic + legacy.bytes + bytes, file: "framed.snapshot1")
        // And as a format 2 snapshot's state.
        var header = BinaryWriter()
        header.bytes += SnapshotFormat.magic
        header.u32(SnapshotFormat.version)
        header.u64(42)
        header.u64(UInt64(bytes.count))
        header.u32(CRC32.checksum(payload))
        header.u32(CRC32.checksum(header.bytes))
        _ = try? SnapshotFormat.decode(header.bytes + bytes, file: "framed.snapshot")
    }
    return 0
}
