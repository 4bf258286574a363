// SPDX-License-Identifier: Apache-2.0

/// Journals written before format 2: no file header, each record
/// `[u32 length][u32 CRC-32 of payload][payload]` with the sequence number inside the payload.
///
/// Read only, to upgrade a data directory: the first start rewrites the facts as a format 2
/// snapshot and journal. The length in this format is not covered by any checksum, so a
/// damaged length cannot be told from a record cut short; this reader therefore accepts no
/// damaged tail at all. An operator decides with `pdp facts check` and `pdp facts repair`.
enum LegacyJournalFormat {
    static let headerSize = 8

    static func scan(_ bytes: [UInt8]) -> JournalFormat.Scan {
        var scan = JournalFormat.Scan(version: 1)
        scan.boundaries = [0]
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerSize else {
                scan.damage = .init(offset: offset, reason: "\(remaining) bytes of an incomplete format 1 record header")
                break
            }
            var header = BinaryReader(bytes[offset..<offset + headerSize])
            let length = Int((try? header.u32()) ?? 0)
            let checksum = (try? header.u32()) ?? 0
            guard length <= JournalFormat.maxPayload, length <= remaining - headerSize else {
                scan.damage = .init(
                    offset: offset,
                    reason: "a format 1 record declares \(length) bytes but \(remaining - headerSize) follow (cut short, or a damaged length)")
                break
            }
            let end = offset + headerSize + length
            let payload = bytes[offset + headerSize..<end]
            guard CRC32.checksum(payload) == checksum else {
                scan.damage = .init(offset: offset, reason: "the format 1 record's checksum does not match")
                break
            }
            do {
                let (sequence, mutations) = try FactsCodec.decodeTransaction(payload)
                if scan.baseSequence == nil { scan.baseSequence = sequence &- 1 }
                if let last = scan.lastSequence, sequence != last &+ 1 {
                    scan.damage = .init(offset: offset, reason: "the record has sequence \(sequence) where \(last &+ 1) must follow")
                    break
                }
                scan.transactions.append(.init(offset: offset, sequence: sequence, mutations: mutations))
            } catch {
                scan.damage = .init(offset: offset, reason: "the format 1 payload does not decode: \(error.description)")
                break
            }
            offset = end
            scan.validLength = offset
            scan.boundaries.append(offset)
        }
        return scan
    }
}
