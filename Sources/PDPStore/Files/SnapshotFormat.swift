// SPDX-License-Identifier: Apache-2.0

/// The snapshot file: `PDPSNAP1`, then one journal-framed record holding the whole state
/// and the sequence number of the last transaction it includes.
enum SnapshotFormat {
    static let magic = Array("PDPSNAP1".utf8)

    static func encode(_ state: FactsState, sequence: UInt64) -> [UInt8] {
        magic + JournalFormat.frame(FactsCodec.encodeState(state, sequence: sequence))
    }

    static func decode(_ bytes: [UInt8], file: String) throws(FactsStoreError) -> (sequence: UInt64, state: FactsState) {
        guard bytes.count >= magic.count + JournalFormat.headerSize, Array(bytes[..<magic.count]) == magic else {
            throw .corruptSnapshot(file: file, reason: "missing PDPSNAP1 header")
        }
        var header = BinaryReader(bytes[magic.count..<magic.count + JournalFormat.headerSize])
        let length = Int((try? header.u32()) ?? 0)
        let checksum = (try? header.u32()) ?? 0
        let start = magic.count + JournalFormat.headerSize
        guard bytes.count - start == length else { throw .corruptSnapshot(file: file, reason: "length mismatch") }
        let payload = bytes[start...]
        guard CRC32.checksum(payload) == checksum else { throw .corruptSnapshot(file: file, reason: "checksum mismatch") }
        do {
            let (sequence, state) = try FactsCodec.decodeState(payload)
            return (sequence, state)
        } catch {
            throw .corruptSnapshot(file: file, reason: error.description)
        }
    }
}
