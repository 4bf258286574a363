// SPDX-License-Identifier: Apache-2.0

/// The journal file, format 2.
///
///     file header, 24 bytes:  "PDPJOURN" | u32 format version (2) | u64 base sequence | u32 CRC-32 of the 20 bytes before it
///     each record, 24 + n:    u32 magic "PDPR" | u32 payload length n | u64 sequence | u32 CRC-32 of the payload
///                             | u32 CRC-32 of the 20 header bytes before it | payload (one transaction's mutations)
///
/// Little-endian throughout. The base sequence is the sequence number of the last
/// transaction the journal does *not* hold (the snapshot it continues from); its records
/// are numbered base + 1, base + 2, ... without gaps, so a replay can prove that it
/// continues from the snapshot and that no record is missing or repeated.
///
/// Every header field is covered by a checksum, so a damaged length can never pass for a
/// record cut short. Only a tail that is provably an unfinished final append is dropped
/// (see ``scan(_:file:)``); any other damage is reported and the file left alone.
enum JournalFormat {
    static let fileMagic = Array("PDPJOURN".utf8)
    static let version: UInt32 = 2
    static let fileHeaderSize = 24
    static let recordMagic = Array("PDPR".utf8)
    static let recordHeaderSize = 24
    /// Larger lengths are corruption (a request body is at most a few MiB).
    static let maxPayload = 256 << 20

    /// One transaction read back, with the offset of its record.
    struct Transaction {
        var offset: Int
        var sequence: UInt64
        var mutations: [FactsMutation]
    }

    /// Damage that is not an unfinished final append: where, and what is wrong.
    struct Damage: Equatable {
        var offset: Int
        var reason: String
    }

    /// What a scan found. Scanning never modifies the file and never throws: recovery, `pdp
    /// facts check` and `pdp facts repair` all decide from the same description.
    struct Scan {
        /// 2, or 1 for a journal written before format 2 (no file header).
        var version = Int(JournalFormat.version)
        /// The sequence the journal continues from; `nil` while no complete header is on
        /// disk (an empty file, or one whose creation was cut short).
        var baseSequence: UInt64?
        var transactions: [Transaction] = []
        /// Offsets at which a record starts or the good part ends: where the file may be cut.
        var boundaries: [Int] = []
        /// Bytes up to the end of the header and the last good record.
        var validLength = 0
        /// Why the tail after `validLength` is an unfinished final append, if there is one.
        var tornTail: String?
        /// Damage anywhere else; the records after it were not read.
        var damage: Damage?
        /// The sequence of the last good record, or the base when there is none.
        var lastSequence: UInt64? { transactions.last?.sequence ?? baseSequence }
    }

    static func fileHeader(baseSequence: UInt64) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes += fileMagic
        writer.u32(version)
        writer.u64(baseSequence)
        writer.u32(CRC32.checksum(writer.bytes))
        return writer.bytes
    }

    static func record(sequence: UInt64, payload: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes += recordMagic
        writer.u32(UInt32(payload.count))
        writer.u64(sequence)
        writer.u32(CRC32.checksum(payload))
        writer.u32(CRC32.checksum(writer.bytes))
        writer.bytes += payload
        return writer.bytes
    }

    /// Reads a whole journal file.
    ///
    /// A tail is dropped as torn (reported in ``Scan/tornTail``) only when it is provably an
    /// append that did not finish: a record whose complete, checksummed header carries the
    /// next sequence number but whose payload runs past the end of the file, or fewer bytes
    /// than a header that agree with the header this position must have (the record magic, a
    /// plausible length, the next sequence). Anything else (a bad checksum anywhere, zero
    /// fill, garbage, a sequence out of order) is ``Scan/damage``.
    static func scan(_ bytes: [UInt8], file: String) -> Scan {
        guard !bytes.isEmpty else { return Scan(baseSequence: nil) }
        if !bytes.starts(with: fileMagic.prefix(min(bytes.count, fileMagic.count))) {
            return LegacyJournalFormat.scan(bytes)
        }
        var scan = Scan()
        guard bytes.count >= fileHeaderSize else {
            // The file was created but its header never fully reached the disk: nothing was
            // ever appended to it.
            scan.tornTail = "an incomplete \(bytes.count)-byte file header"
            return scan
        }
        var header = BinaryReader(bytes[fileMagic.count..<fileHeaderSize])
        let fileVersion = (try? header.u32()) ?? 0
        let base = (try? header.u64()) ?? 0
        let headerChecksum = (try? header.u32()) ?? 0
        guard CRC32.checksum(bytes[..<(fileHeaderSize - 4)]) == headerChecksum else {
            scan.damage = Damage(offset: 0, reason: "the file header's checksum does not match")
            return scan
        }
        guard fileVersion == version else {
            scan.damage = Damage(offset: 0, reason: "journal format version \(fileVersion) is not supported (this pdp reads 1 and 2)")
            return scan
        }
        scan.baseSequence = base
        scan.validLength = fileHeaderSize
        scan.boundaries = [fileHeaderSize]
        var offset = fileHeaderSize
        var expected = base &+ 1
        while offset < bytes.count {
            switch readRecord(bytes, at: offset, expectedSequence: expected) {
            case .record(let mutations, let end):
                scan.transactions.append(Transaction(offset: offset, sequence: expected, mutations: mutations))
                offset = end
                expected &+= 1
                scan.validLength = offset
                scan.boundaries.append(offset)
            case .torn(let why):
                scan.tornTail = why
                return scan
            case .damaged(let reason):
                scan.damage = Damage(offset: offset, reason: reason)
                return scan
            }
        }
        return scan
    }

    private enum RecordRead {
        case record([FactsMutation], end: Int)
        case torn(String)
        case damaged(String)
    }

    private static func readRecord(_ bytes: [UInt8], at offset: Int, expectedSequence: UInt64) -> RecordRead {
        let remaining = bytes.count - offset
        var header = BinaryReader(bytes[offset..<offset + min(remaining, recordHeaderSize)])
        let magicMatches = bytes[offset..<offset + min(remaining, 4)].elementsEqual(recordMagic.prefix(min(remaining, 4)))
        guard remaining >= recordHeaderSize else {
            // Fewer bytes than a header: an unfinished append if what is there agrees with
            // the header that belongs here.
            _ = try? header.u32()
            let length = remaining >= 8 ? Int((try? header.u32()) ?? 0) : 0
            let sequence = remaining >= 16 ? ((try? header.u64()) ?? 0) : expectedSequence
            if magicMatches && length <= maxPayload && sequence == expectedSequence {
                return .torn("\(remaining) bytes of an unfinished record header at offset \(offset)")
            }
            return .damaged("\(remaining) trailing bytes that are not the start of the next record")
        }
        _ = try? header.u32()
        let length = Int((try? header.u32()) ?? 0)
        let sequence = (try? header.u64()) ?? 0
        let payloadChecksum = (try? header.u32()) ?? 0
        let headerChecksum = (try? header.u32()) ?? 0
        guard magicMatches, CRC32.checksum(bytes[offset..<offset + recordHeaderSize - 4]) == headerChecksum else {
            return .damaged("the record header's checksum does not match (damaged length, sequence or checksum, zero fill or garbage)")
        }
        guard sequence == expectedSequence else {
            return .damaged("the record has sequence \(sequence) where \(expectedSequence) must follow (a record is missing or repeated)")
        }
        guard length <= maxPayload else { return .damaged("length \(length) is implausible") }
        let start = offset + recordHeaderSize
        guard length <= bytes.count - start else {
            return .torn("record \(sequence) at offset \(offset) declares \(length) bytes but only \(bytes.count - start) were written")
        }
        let payload = bytes[start..<start + length]
        guard CRC32.checksum(payload) == payloadChecksum else { return .damaged("the payload's checksum does not match") }
        do {
            return .record(try FactsCodec.decodeMutations(payload), end: start + length)
        } catch {
            return .damaged("the payload does not decode: \(error.description)")
        }
    }
}
