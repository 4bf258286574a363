// SPDX-License-Identifier: Apache-2.0
import Atomics

/// The request body bytes all connections may buffer at once
/// (``RequestLimits/maxBufferedBodyBytes``).
///
/// Without it, every connection could hold a body of up to ``RequestLimits/maxBodyBytes``
/// that never finishes (1,000 connections held 1.07 GB). A connection reserves a body's bytes
/// before buffering them and releases them once the body is answered or the connection
/// closes. A body that arrived with its head is answered straight from the read buffer and
/// reserves nothing, so `/allowed` pays no atomic operation.
final class BodyBudget: Sendable {
    private let limit: Int
    private let used = ManagedAtomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Bytes reserved now, across all connections.
    var reserved: Int { used.load(ordering: .relaxed) }

    /// Reserves `bytes`; `false` (and nothing reserved) when that would pass the limit.
    func reserve(_ bytes: Int) -> Bool {
        let total = used.wrappingIncrementThenLoad(by: bytes, ordering: .relaxed)
        if total > limit {
            used.wrappingDecrement(by: bytes, ordering: .relaxed)
            return false
        }
        return true
    }

    func release(_ bytes: Int) {
        used.wrappingDecrement(by: bytes, ordering: .relaxed)
    }
}
