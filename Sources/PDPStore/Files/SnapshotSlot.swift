// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// The one place `facts.snapshot` is written, shared by the writer (rewrites) and the
/// compaction job (on another thread).
///
/// Writes are serialized, and a snapshot older than the one on disk is never put in place:
/// a slow compaction finishing after a rewrite must not take the snapshot back behind the
/// journal that continues from the newer one.
final class SnapshotSlot: Sendable {
    private struct Status {
        /// The sequence of the snapshot this process last put in place (0 before any).
        var sequenceOnDisk: UInt64 = 0
        var compactionInFlight = false
    }

    let path: String
    let directory: String
    private let status = Mutex(Status())

    init(path: String, directory: String) {
        self.path = path
        self.directory = directory
    }

    /// Writes a snapshot of `state` at `sequence` and fsyncs it into place.
    func replace(with state: FactsState, sequence: UInt64) throws(FactsStoreError) {
        try status.withLock { (status: inout Status) throws(FactsStoreError) in
            try write(state, sequence: sequence, status: &status)
        }
    }

    /// Marks a compaction as started; `false` while another one runs.
    func beginCompaction() -> Bool {
        status.withLock { status in
            if status.compactionInFlight { return false }
            status.compactionInFlight = true
            return true
        }
    }

    /// Gives up a compaction begun with ``beginCompaction()`` before its job was made.
    func endCompaction() {
        status.withLock { $0.compactionInFlight = false }
    }

    /// Writes the compaction's snapshot unless a newer one is in place, then runs `cleanUp`
    /// (removing the rotated journal) while still holding the slot.
    func finishCompaction(
        state: FactsState, sequence: UInt64, cleanUp: () throws(FactsStoreError) -> Void
    ) throws(FactsStoreError) {
        try status.withLock { (status: inout Status) throws(FactsStoreError) in
            defer { status.compactionInFlight = false }
            guard sequence >= status.sequenceOnDisk else { return }
            try write(state, sequence: sequence, status: &status)
            try cleanUp()
        }
    }

    private func write(_ state: FactsState, sequence: UInt64, status: inout Status) throws(FactsStoreError) {
        do {
            try POSIXFile.replaceAtomically(path, with: SnapshotFormat.encode(state, sequence: sequence), directory: directory)
        } catch {
            // A temporary file left on a full disk would only take more of the space.
            try? POSIXFile.remove(path + ".tmp")
            throw error
        }
        status.sequenceOnDisk = sequence
    }
}
