// SPDX-License-Identifier: Apache-2.0
import Atomics
import PDPCore

/// The current policy snapshot, swapped atomically.
///
/// Readers call ``current`` once per request: one atomic load and a retain, no lock, so a
/// check never waits for a writer. Writers publish a whole new snapshot; requests already
/// running finish on the snapshot they loaded.
public final class SnapshotStore: Sendable {
    final class Box: AtomicReference, Sendable {
        let snapshot: PolicySnapshot
        let revision: Int
        init(_ snapshot: PolicySnapshot, revision: Int) {
            self.snapshot = snapshot
            self.revision = revision
        }
    }

    private let box: ManagedAtomic<Box>

    public init(_ snapshot: PolicySnapshot) {
        box = ManagedAtomic(Box(snapshot, revision: 1))
    }

    /// The snapshot to decide against.
    @inline(__always)
    public var current: PolicySnapshot { currentBox.snapshot }

    /// The published box holding the snapshot: one atomic load and one retain. Decide through
    /// `box.snapshot` to avoid copying the snapshot value (which retains each of its arrays).
    @inline(__always)
    var currentBox: Box { box.load(ordering: .acquiring) }

    /// Increases by one with every publish.
    public var revision: Int { box.load(ordering: .acquiring).revision }

    /// Replaces the snapshot for all later readers.
    public func publish(_ snapshot: PolicySnapshot) {
        while true {
            let old = box.load(ordering: .acquiring)
            let (exchanged, _) = box.compareExchange(
                expected: old, desired: Box(snapshot, revision: old.revision + 1), ordering: .acquiringAndReleasing)
            if exchanged { return }
        }
    }
}
