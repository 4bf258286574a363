// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#endif
import PDPCore
import Testing

@testable import PDPStore

@Suite("FactsStore")
struct FactsStoreTests {
    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)

    static func assignment(_ index: Int) -> [FactsMutation] {
        [.assign(AssignmentKey(user: "user-\(index)", role: "viewer", tenant: "default"), at: time)]
    }

    static let sample: [[FactsMutation]] = [
        [.putTenant(TenantRecord(key: "acme", name: "Acme", description: nil, attributes: ["plan": .string("pro"), "seats": .int(5)], createdAt: time, updatedAt: time, lastActionAt: time))],
        [.putUser(UserRecord(key: "alice", email: "a@example.com", firstName: "Alice", attributes: ["n": .array([.double(1.5), .null, .bool(true), .object(["x": .int(-1)])])], createdAt: time, updatedAt: time)),
         .assign(AssignmentKey(user: "alice", role: "admin", tenant: "acme"), at: time)],
        [.putUser(UserRecord(key: "bob", createdAt: time, updatedAt: time))],
        [.assign(AssignmentKey(user: "bob", role: "viewer", tenant: "default"), at: time)],
    ]

    static func expectedState(_ transactions: [[FactsMutation]]) -> FactsState {
        var state = FactsState()
        for mutations in transactions { state.apply(mutations) }
        return state
    }

    @Test("a journal round trip restores every committed transaction")
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
            for transaction in Self.sample { try store.commit([transaction]) }
            #expect(store.lastSequence == 4)
        }
        let reopened = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        #expect(reopened.state == Self.expectedState(Self.sample))
        #expect(reopened.lastSequence == 4)
        #expect(reopened.recoveryWarnings.isEmpty)
        #expect(reopened.replayedTransactions == 4)
    }

    @Test("the data directory and journal are readable by their owner only (they hold emails and names)")
    func ownerOnlyPermissions() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let dataDirectory = directory.file("data")
        defer { rmdir(dataDirectory) }
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: dataDirectory))
            try store.commit([Self.sample[1]])
        }
        for (path, mask) in [(dataDirectory, mode_t(0o077)), (dataDirectory + "/facts.journal", mode_t(0o077))] {
            var info = stat()
            #expect(stat(path, &info) == 0, "\(path)")
            #expect(info.st_mode & mask == 0, "\(path) is open to others: \(String(info.st_mode & 0o777, radix: 8))")
        }
        for name in ["facts.journal", "facts.lock", "facts.snapshot"] { unlink(dataDirectory + "/" + name) }
    }

    @Test("a torn final record, cut at every byte, is dropped with a warning and earlier records survive")
    func tornFinalRecord() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let earlier = Array(Self.sample.prefix(3))
        var lengthBefore = 0
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
            try store.commit(earlier)
            lengthBefore = store.journalBytes
            try store.commit([Self.sample[3]])
        }
        let full = directory.read("facts.journal")
        #expect(full.count > lengthBefore)
        for cut in lengthBefore..<full.count {
            directory.remove()
            let again = TemporaryDirectory.at(directory.path)
            again.write("facts.journal", Array(full[..<cut]))
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
            #expect(store.state == Self.expectedState(earlier), "cut at \(cut)")
            #expect(store.lastSequence == 3)
            #expect(store.recoveryWarnings.count == (cut == lengthBefore ? 0 : 1), "cut at \(cut)")
            // New writes continue after the recovered records.
            try store.commit([Self.sample[3]])
            #expect(store.lastSequence == 4)
        }
    }

    @Test("a final record with a damaged payload is damage, not a torn write: refused, file untouched")
    func badChecksumAtEnd() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
            for transaction in Self.sample { try store.commit([transaction]) }
        }
        var bytes = directory.read("facts.journal")
        bytes[bytes.count - 1] ^= 0xFF
        bytes += [UInt8](repeating: 0, count: 100)
        directory.write("facts.journal", bytes)
        #expect(throws: FactsStoreError.self) { try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path)) }
        #expect(directory.read("facts.journal") == bytes)
    }

    @Test("a corrupt record in the middle refuses to start and names its offset")
    func corruptMiddleRecord() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var secondOffset = 0
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
            try store.commit([Self.sample[0]])
            secondOffset = store.journalBytes
            for transaction in Self.sample.dropFirst() { try store.commit([transaction]) }
        }
        var bytes = directory.read("facts.journal")
        bytes[secondOffset + 12] ^= 0x55
        directory.write("facts.journal", bytes)
        #expect(throws: FactsStoreError.self) { try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path)) }
        do {
            _ = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        } catch {
            guard case .corruptRecord(_, let offset, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(offset == secondOffset)
            #expect(error.description.contains("offset \(secondOffset)"))
        }
        // The journal was left untouched for an operator to inspect.
        #expect(directory.read("facts.journal") == bytes)
    }

    @Test("compaction keeps everything, including writes made while it runs")
    func compaction() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var all: [[FactsMutation]] = []
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path, compactionThresholdBytes: 512))
            for index in 0..<40 {
                all.append(Self.assignment(index))
                try store.commit([Self.assignment(index)])
            }
            all.append([.unassign(AssignmentKey(user: "user-3", role: "viewer", tenant: "default"))])
            try store.commit([all.last ?? []])
            let job = try #require(try store.startCompaction())
            #expect(try store.startCompaction() == nil, "one compaction at a time")
            for index in 40..<45 {
                all.append(Self.assignment(index))
                try store.commit([Self.assignment(index)])
            }
            try job.run()
            #expect(store.journalBytes < 512)
        }
        let reopened = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        #expect(reopened.state == Self.expectedState(all))
        #expect(reopened.state.assignments.count == 44)
        #expect(reopened.lastSequence == 46)
        #expect(reopened.replayedTransactions == 5)
    }

    @Test("a crash after rotation but before the snapshot loses nothing")
    func crashDuringCompaction() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let store = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path, compactionThresholdBytes: 1))
            try store.commit(Self.sample)
            _ = try store.startCompaction()  // never run: the process "dies" here
            try store.commit([Self.assignment(1)])
        }
        let reopened = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        #expect(reopened.state == Self.expectedState(Self.sample + [Self.assignment(1)]))
        #expect(directory.read("facts.journal.compacting").isEmpty)
    }

    @Test("a second store on the same directory is refused")
    func exclusiveLock() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let first = try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path))
        #expect(throws: FactsStoreError.self) { try FactsStore(configuration: FactsStoreConfiguration(directory: directory.path)) }
        _ = first
    }

    @Test("CRC-32 check value")
    func crc() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
    }

    @Test("RFC 3339 formatting")
    func rfc3339() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).rfc3339 == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_709_251_199_999).rfc3339 == "2024-02-29T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: 951_782_400_000).rfc3339 == "2000-02-29T00:00:00.000Z")
    }
}

extension TemporaryDirectory {
    /// Recreates the directory at `path` (after ``remove()``).
    static func at(_ path: String) -> TemporaryDirectory {
        let directory = TemporaryDirectory(existing: path)
        return directory
    }

    init(existing path: String) {
        self.path = path
        mkdir(path, 0o755)
    }
}
