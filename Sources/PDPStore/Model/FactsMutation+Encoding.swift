// SPDX-License-Identifier: Apache-2.0

extension FactsMutation {
    /// One transaction's mutations in the journal's binary record form (what a shared
    /// store's change log holds, so every store reads and writes one format).
    public static func encode(_ mutations: [FactsMutation]) -> [UInt8] {
        FactsCodec.encodeMutations(mutations)
    }

    /// The mutations of one ``encode(_:)``d transaction.
    /// - Throws: ``FactsStoreError/corruptRecord(file:offset:reason:)`` naming `source`
    ///   and `offset` when the bytes are not a whole, well-formed transaction.
    public static func decode(_ bytes: [UInt8], source: String, offset: Int = 0) throws(FactsStoreError) -> [FactsMutation] {
        do {
            return try FactsCodec.decodeMutations(bytes[...])
        } catch {
            throw .corruptRecord(file: source, offset: offset, reason: error.description)
        }
    }
}
