// SPDX-License-Identifier: Apache-2.0

/// The journal's framing: each record is `[u32 length][u32 CRC-32 of payload][payload]`,
/// little-endian, where the payload is one transaction (a sequence number and the
/// mutations of one request, applied all or nothing).
enum JournalFormat {
    static let headerSize = 8
    /// Larger lengths are corruption (a request body is at most a few MiB).
    static let maxPayload = 256 << 20

    /// One transaction read back, with the offset of its record.
    struct Transaction {
        var offset: Int
        var sequence: UInt64
        var mutations: [FactsMutation]
    }

    /// What a scan found: the good transactions, and the torn tail, if any.
    struct Scan {
        var transactions: [Transaction] = []
        /// Bytes up to the end of the last good record.
        var validLength = 0
        /// Why the tail after `validLength` was dropped.
        var tornTail: String?
    }

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.u32(UInt32(payload.count))
        writer.u32(CRC32.checksum(payload))
        writer.bytes += payload
        return writer.bytes
    }

    /// Reads every record of `bytes`.
    ///
    /// A damaged record that is the last one (cut short, or its checksum fails and nothing
    /// but zero bytes follows it) is a torn write from a crash: it is reported in
    /// ``Scan/tornTail`` and dropped. A damaged record followed by other data throws
    /// ``FactsStoreError/corruptRecord(file:offset:reason:)``.
    static func scan(_ bytes: [UInt8], file: String) throws(FactsStoreError) -> Scan {
        var scan = Scan()
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= headerSize else {
                scan.tornTail = "\(remaining) bytes of an incomplete record header at offset \(offset)"
                break
            }
            var header = BinaryReader(bytes[offset..<offset + headerSize])
            let length = Int((try? header.u32()) ?? 0)
            let checksum = (try? header.u32()) ?? 0
            guard length <= remaining - headerSize else {
                scan.tornTail = "a record at offset \(offset) declares \(length) bytes but only \(remaining - headerSize) follow"
                break
            }
            let end = offset + headerSize + length
            let payload = bytes[offset + headerSize..<end]
            var problem: String?
            if length > maxPayload {
                problem = "length \(length) is implausible"
            } else if CRC32.checksum(payload) != checksum {
                problem = "checksum mismatch"
            } else {
                do {
                    let (sequence, mutations) = try FactsCodec.decodeTransaction(payload)
                    scan.transactions.append(Transaction(offset: offset, sequence: sequence, mutations: mutations))
                } catch {
                    problem = error.description
                }
            }
            if let problem {
                if bytes[end...].allSatisfy({ $0 == 0 }) {
                    scan.tornTail = "the record at offset \(offset) is damaged (\(problem))"
                    break
                }
                throw .corruptRecord(file: file, offset: offset, reason: problem)
            }
            offset = end
            scan.validLength = offset
        }
        return scan
    }
}
