// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// How far a sidecar follows a shared facts store: the change position it has applied, when
/// it last knew it was up to date, and the store's last error. Written by the store (on the
/// writer's queue) and its change listener; read by `/ready`. Thread-safe.
public final class FactsSyncStatus: Sendable {
    /// One reading of the status.
    public struct Reading: Sendable, Equatable {
        /// The change position of the last applied transaction.
        public var position: UInt64
        /// When the sidecar last saw that it had every committed change (`nil`: not since it
        /// started).
        public var syncedAt: ContinuousClock.Instant?
        /// Whether the last attempt to reach the store succeeded.
        public var connected: Bool
        /// Why the last attempt failed, while ``connected`` is false.
        public var lastError: String?

        /// Seconds since ``syncedAt`` as of `now`; `nil` when never synced.
        public func staleness(now: ContinuousClock.Instant = .now) -> Double? {
            guard let syncedAt else { return nil }
            let elapsed = now - syncedAt
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
    }

    private let state: Mutex<Reading>

    public init(position: UInt64) {
        state = Mutex(Reading(position: position, syncedAt: nil, connected: false, lastError: nil))
    }

    /// The current status.
    public var reading: Reading { state.withLock { $0 } }

    /// The store answered and the sidecar holds every change up to `position`.
    public func synced(at position: UInt64, now: ContinuousClock.Instant = .now) {
        state.withLock {
            $0.position = position
            $0.syncedAt = now
            $0.connected = true
            $0.lastError = nil
        }
    }

    /// Changes up to `position` are applied (more may be waiting).
    public func applied(through position: UInt64) {
        state.withLock { $0.position = position }
    }

    /// The store could not be reached or read.
    public func failed(_ error: String) {
        state.withLock {
            $0.connected = false
            $0.lastError = error
        }
    }
}
