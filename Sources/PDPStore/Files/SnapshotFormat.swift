// SPDX-License-Identifier: Apache-2.0

/// The snapshot file, format 2:
///
///     "PDPSNAP2" | u32 format version (2) | u64 sequence | u64 payload length | u32 CRC-32 of the payload
///     | u32 CRC-32 of the 32 header bytes before it | payload (the mutations that rebuild the state from empty)
///
/// `sequence` is the last transaction the state includes; the journal that follows the
/// snapshot starts from it. Format 1 (`PDPSNAP1`, written before format 2) is still read.
enum SnapshotFormat {
    static let magic = Array("PDPSNAP2".utf8)
    static let legacyMagic = Array("PDPSNAP1".utf8)
    static let version: UInt32 = 2
    static let headerSize = 36

    static func encode(_ state: FactsState, sequence: UInt64) -> [UInt8] {
        let payload = FactsCodec.encodeState(state)
        var writer = BinaryWriter()
        writer.bytes += magic
        writer.u32(version)
        writer.u64(sequence)
        writer.u64(UInt64(payload.count))
        writer.u32(CRC32.checksum(payload))
        writer.u32(CRC32.checksum(writer.bytes))
        writer.bytes += payload
        return writer.bytes
    }

    /// What a snapshot file holds, its checksums proven: the encoded state of format 2 (not
    /// decoded yet: a restart builds the decision index straight from these bytes), or the
    /// decoded state of format 1.
    enum Contents: Sendable {
        case payload(ArraySlice<UInt8>)
        case state(FactsState)
    }

    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` for any damage.
    static func decode(_ bytes: [UInt8], file: String) throws(FactsStoreError) -> (sequence: UInt64, state: FactsState) {
        let (sequence, contents) = try open(bytes, file: file)
        switch contents {
        case .state(let state): return (sequence, state)
        case .payload(let payload): return (sequence, try decodeState(payload, file: file))
        }
    }

    /// The state in a format 2 payload.
    static func decodeState(_ payload: ArraySlice<UInt8>, file: String) throws(FactsStoreError) -> FactsState {
        do {
            return try FactsCodec.decodeState(payload)
        } catch {
            throw .corruptSnapshot(file: file, reason: error.description)
        }
    }

    /// Checks the header and the checksums; decodes only a format 1 snapshot.
    /// - Throws: ``FactsStoreError/corruptSnapshot(file:reason:)`` for any damage.
    static func open(_ bytes: [UInt8], file: String) throws(FactsStoreError) -> (sequence: UInt64, contents: Contents) {
        if bytes.starts(with: legacyMagic) {
            let (sequence, state) = try decodeLegacy(bytes, file: file)
            return (sequence, .state(state))
        }
        guard bytes.count >= headerSize, bytes.starts(with: magic) else {
            throw .corruptSnapshot(file: file, reason: "missing PDPSNAP2 header")
        }
        var header = BinaryReader(bytes[magic.count..<headerSize])
        let fileVersion = (try? header.u32()) ?? 0
        let sequence = (try? header.u64()) ?? 0
        let length = (try? header.u64()) ?? 0
        let payloadChecksum = (try? header.u32()) ?? 0
        let headerChecksum = (try? header.u32()) ?? 0
        guard CRC32.checksum(bytes[..<(headerSize - 4)]) == headerChecksum else {
            throw .corruptSnapshot(file: file, reason: "the header's checksum does not match")
        }
        guard fileVersion == version else {
            throw .corruptSnapshot(file: file, reason: "snapshot format version \(fileVersion) is not supported (this pdp reads 1 and 2)")
        }
        guard UInt64(bytes.count - headerSize) == length else {
            throw .corruptSnapshot(file: file, reason: "the header declares \(length) bytes of state but \(bytes.count - headerSize) follow")
        }
        let payload = bytes[headerSize...]
        guard CRC32.checksum(payload) == payloadChecksum else { throw .corruptSnapshot(file: file, reason: "checksum mismatch") }
        return (sequence, .payload(payload))
    }

    /// `PDPSNAP1`, then one format 1 journal record holding the sequence and the state.
    private static func decodeLegacy(_ bytes: [UInt8], file: String) throws(FactsStoreError) -> (sequence: UInt64, state: FactsState) {
        let headerEnd = legacyMagic.count + LegacyJournalFormat.headerSize
        guard bytes.count >= headerEnd else { throw .corruptSnapshot(file: file, reason: "incomplete PDPSNAP1 header") }
        var header = BinaryReader(bytes[legacyMagic.count..<headerEnd])
        let length = Int((try? header.u32()) ?? 0)
        let checksum = (try? header.u32()) ?? 0
        guard bytes.count - headerEnd == length else { throw .corruptSnapshot(file: file, reason: "length mismatch") }
        let payload = bytes[headerEnd...]
        guard CRC32.checksum(payload) == checksum else { throw .corruptSnapshot(file: file, reason: "checksum mismatch") }
        do {
            let (sequence, mutations) = try FactsCodec.decodeTransaction(payload)
            var state = FactsState()
            state.apply(mutations)
            return (sequence, state)
        } catch {
            throw .corruptSnapshot(file: file, reason: error.description)
        }
    }
}
