// SPDX-License-Identifier: Apache-2.0

/// Where and how ``FactsStore`` keeps the facts.
///
/// Defaults: in memory (`directory` `nil`), compaction once the journal passes 8 MiB.
public struct FactsStoreConfiguration: Sendable {
    /// The data directory (created if missing), or `nil` to keep facts in memory only.
    /// It holds `facts.snapshot`, `facts.journal`, `facts.journal.compacting` while a
    /// compaction runs, and `facts.lock`.
    public var directory: String?
    /// Journal size in bytes after which ``FactsStore/startCompaction()`` rotates it.
    public var compactionThresholdBytes: Int

    public init(directory: String? = nil, compactionThresholdBytes: Int = 8 << 20) {
        self.directory = directory
        self.compactionThresholdBytes = compactionThresholdBytes
    }
}
