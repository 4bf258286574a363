// SPDX-License-Identifier: Apache-2.0
import Atomics
import PDPFacts

/// The current ``FactsCatalog`` (none yet while a restart builds it), swapped atomically (one load per read request, no lock).
final class FactsCatalogStore: Sendable {
    final class Box: AtomicReference, Sendable {
        let catalog: FactsCatalog?
        init(_ catalog: FactsCatalog?) { self.catalog = catalog }
    }

    private let box: ManagedAtomic<Box>

    /// `nil` while the facts are being loaded.
    init(_ catalog: FactsCatalog?) { box = ManagedAtomic(Box(catalog)) }

    var current: FactsCatalog? { box.load(ordering: .acquiring).catalog }

    func publish(_ catalog: FactsCatalog) { box.store(Box(catalog), ordering: .releasing) }
}
