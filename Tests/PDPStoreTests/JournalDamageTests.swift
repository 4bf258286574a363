// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import PDPCore
import Testing

@testable import PDPStore

/// Damage at every record position must stop start-up with the file and offset, leaving the
/// files as they were; only a provably unfinished final append is dropped.
@Suite("Journal damage")
struct JournalDamageTests {
    static let sample = FactsStoreTests.sample

    /// A data directory holding `sample`, one transaction per commit, and each record's offset.
    static func journal(in directory: TemporaryDirectory) throws -> (bytes: [UInt8], offsets: [Int]) {
        var offsets: [Int] = []
        let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        for transaction in sample {
            offsets.append(store.journalBytes)
            try store.commit([transaction])
        }
        return (directory.read("facts.journal"), offsets)
    }

    static func open(_ directory: TemporaryDirectory) throws(FactsStoreError) -> FactsStore {
        try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
    }

    /// The ways one record can be damaged, each as an edit of the journal's bytes.
    enum Damage: CaseIterable, Sendable {
        case lengthPastTheEnd, lengthShorter, sequence, payloadChecksum, headerChecksum, magic, payload, zeroFilled

        func apply(to bytes: inout [UInt8], record offset: Int, end: Int) {
            switch self {
            case .lengthPastTheEnd: bytes[offset + 4..<offset + 8] = [0xFF, 0xFF, 0x00, 0x00]
            case .lengthShorter: bytes[offset + 4] &-= 1
            case .sequence: bytes[offset + 8] ^= 0x02
            case .payloadChecksum: bytes[offset + 16] ^= 0x01
            case .headerChecksum: bytes[offset + 20] ^= 0x80
            case .magic: bytes[offset] = UInt8(ascii: "X")
            case .payload: bytes[end - 1] ^= 0x10
            case .zeroFilled: for index in offset..<end { bytes[index] = 0 }
            }
        }
    }

    @Test("damage to any record, the last one included, refuses to start with its offset and leaves the file untouched",
          arguments: Damage.allCases)
    func damageAtEveryRecord(_ damage: Damage) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (clean, offsets) = try Self.journal(in: directory)
        let ends = Array(offsets.dropFirst()) + [clean.count]
        for (record, offset) in offsets.enumerated() {
            var bytes = clean
            damage.apply(to: &bytes, record: offset, end: ends[record])
            directory.write("facts.journal", bytes)
            do {
                _ = try Self.open(directory)
                Issue.record("\(damage) at record \(record) (offset \(offset)) was accepted")
            } catch {
                guard case .corruptRecord(let file, let reported, _) = error else {
                    Issue.record("\(damage) at record \(record): unexpected \(error)")
                    continue
                }
                #expect(reported == offset, "\(damage) at record \(record)")
                #expect(file.hasSuffix("facts.journal"))
                #expect(error.description.contains("offset \(offset)"))
            }
            #expect(directory.read("facts.journal") == bytes, "\(damage) at record \(record): the file was changed")
        }
    }

    @Test("a zero-filled or garbage tail after the last record is damage", arguments: [1, 4, 23, 24, 100, 4096])
    func zeroOrGarbageTail(_ length: Int) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (clean, _) = try Self.journal(in: directory)
        var random = SystemRandomNumberGenerator()
        let garbage = (0..<length).map { index in index == 0 ? UInt8(ascii: "Q") : UInt8.random(in: 0...255, using: &random) }
        for tail in [[UInt8](repeating: 0, count: length), garbage] {
            directory.write("facts.journal", clean + tail)
            #expect(Self.damageOffset(directory) == clean.count, "tail of \(length) bytes")
            #expect(directory.read("facts.journal") == clean + tail)
        }
    }

    @Test("a batch cut inside its second record keeps the first (it was complete) and drops the rest")
    func batchCutShort() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var before = 0
        do {
            let store = try Self.open(directory)
            try store.commit([Self.sample[0]])
            before = store.journalBytes
            try store.commit([Self.sample[1], Self.sample[2]])
        }
        let bytes = directory.read("facts.journal")
        let secondRecord = before + JournalFormat.recordHeaderSize + FactsCodec.encodeMutations(Self.sample[1]).count
        directory.write("facts.journal", Array(bytes[..<(secondRecord + 30)]))
        let store = try Self.open(directory)
        #expect(store.state == FactsStoreTests.expectedState(Array(Self.sample.prefix(2))))
        #expect(store.lastSequence == 2)
        #expect(store.recoveryWarnings.count == 1)
        try store.commit([Self.sample[3]])
        #expect(store.lastSequence == 3)
    }

    @Test("a deleted snapshot is refused: the journal continues from a later transaction")
    func deletedSnapshot() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try Self.compactedDirectory(directory)
        unlink(directory.file("facts.snapshot"))
        let journal = directory.read("facts.journal")
        #expect(throws: FactsStoreError.sequenceGap(file: directory.file("facts.journal"), journalContinuesFrom: 41, snapshotHolds: 0, snapshotExists: false)) {
            try Self.open(directory)
        }
        #expect(directory.read("facts.journal") == journal)
        #expect(FactsStore.check(directory: directory.path).isHealthy == false)
    }

    @Test("an older snapshot put back in place is refused")
    func olderSnapshot() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try Self.open(directory)
            try store.commit([Self.sample[0]])
        }
        
        let older = directory.read("facts.snapshot")  // holds nothing: transaction 0
        try Self.compactedDirectory(directory)
        directory.write("facts.snapshot", older)
        #expect(throws: FactsStoreError.self) { try Self.open(directory) }
        do {
            _ = try Self.open(directory)
        } catch {
            #expect(error.description.contains("older snapshot"), "\(error)")
        }
    }

    @Test("a missing journal beside a snapshot is refused until an operator accepts it")
    func missingJournal() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try Self.compactedDirectory(directory)
        unlink(directory.file("facts.journal"))
        #expect(throws: FactsStoreError.missingJournal(directory: directory.path)) { try Self.open(directory) }
        let report = try FactsStore.acceptMissingJournal(directory: directory.path)
        #expect(report.isHealthy)
        let store = try Self.open(directory)
        #expect(store.lastSequence == 41)
    }

    @Test("repair cuts at a record boundary, keeps the original, and the directory starts with the records before")
    func repair() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (clean, offsets) = try Self.journal(in: directory)
        var bytes = clean
        Damage.lengthPastTheEnd.apply(to: &bytes, record: offsets[2], end: offsets[3])
        directory.write("facts.journal", bytes)
        let report = FactsStore.check(directory: directory.path)
        #expect(!report.isHealthy)
        #expect(report.journals.first?.damageOffset == offsets[2])
        #expect(throws: FactsRepairError.self) { try FactsStore.repair(directory: directory.path, toOffset: offsets[2] + 3) }
        let repair = try FactsStore.repair(directory: directory.path, toOffset: offsets[2])
        #expect(repair.recordsKept == 2)
        #expect(repair.after.isHealthy)
        #expect(directory.read(String(repair.keptOriginalAt.split(separator: "/").last ?? "")) == bytes)
        let store = try Self.open(directory)
        #expect(store.state == FactsStoreTests.expectedState(Array(Self.sample.prefix(2))))
    }

    @Test("a format 1 directory is read and rewritten in format 2")
    func legacyUpgrade() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        directory.write("facts.snapshot", Self.legacySnapshot(Array(Self.sample.prefix(2)), sequence: 2))
        directory.write("facts.journal", Self.legacyRecord(sequence: 3, Self.sample[2]) + Self.legacyRecord(sequence: 4, Self.sample[3]))
        let store = try Self.open(directory)
        #expect(store.state == FactsStoreTests.expectedState(Self.sample))
        #expect(store.lastSequence == 4)
        #expect(directory.read("facts.journal").starts(with: Array("PDPJOURN".utf8)))
        #expect(directory.read("facts.snapshot").starts(with: Array("PDPSNAP2".utf8)))
    }

    @Test("a format 1 journal with a damaged tail is refused, not truncated")
    func legacyDamage() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let bytes = Self.legacyRecord(sequence: 1, Self.sample[0]) + Self.legacyRecord(sequence: 2, Self.sample[1]).dropLast(3)
        directory.write("facts.journal", Array(bytes))
        #expect(throws: FactsStoreError.self) { try Self.open(directory) }
        #expect(directory.read("facts.journal") == Array(bytes))
    }

    @Test("a missing or repeated record (each with valid checksums) is damage")
    func missingOrRepeatedRecord() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (clean, offsets) = try Self.journal(in: directory)
        let missing = Array(clean[..<offsets[1]] + clean[offsets[2]...])
        directory.write("facts.journal", missing)
        #expect(Self.damageOffset(directory) == offsets[1])
        let repeated = Array(clean[..<offsets[2]] + clean[offsets[1]...])
        directory.write("facts.journal", repeated)
        #expect(Self.damageOffset(directory) == offsets[2])
    }

    // MARK: Fixtures

    /// The offset a start refuses at, or `nil` when it starts (or refuses for another reason).
    static func damageOffset(_ directory: TemporaryDirectory) -> Int? {
        do {
            _ = try open(directory)
            return nil
        } catch {
            guard case .corruptRecord(_, let offset, _) = error else { return nil }
            return offset
        }
    }

    /// 41 transactions, compacted: a snapshot at 41 and an empty journal continuing from it.
    static func compactedDirectory(_ directory: TemporaryDirectory) throws {
        let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path, compactionThresholdBytes: 512))
        while store.lastSequence < 41 { try store.commit([FactsStoreTests.assignment(Int(store.lastSequence))]) }
        let job = try #require(try store.startCompaction())
        try job.run()
    }

    static func legacyRecord(sequence: UInt64, _ mutations: [FactsMutation]) -> [UInt8] {
        var payload = BinaryWriter()
        payload.u64(sequence)
        payload.bytes += FactsCodec.encodeMutations(mutations)
        var writer = BinaryWriter()
        writer.u32(UInt32(payload.bytes.count))
        writer.u32(CRC32.checksum(payload.bytes))
        return writer.bytes + payload.bytes
    }

    static func legacySnapshot(_ transactions: [[FactsMutation]], sequence: UInt64) -> [UInt8] {
        Array("PDPSNAP1".utf8) + legacyRecord(sequence: sequence, transactions.flatMap { $0 })
    }
}
