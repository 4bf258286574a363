// SPDX-License-Identifier: Apache-2.0

/// What a ``PDPClient`` has sent so far: every HTTP request counts once, whatever its answer.
public struct PDPClientStatistics: Sendable, Hashable {
    /// Requests sent to the PDP or the facts API (scope lookups included).
    public var requests: Int = 0
    /// Requests that got no usable HTTP answer (unreachable or timed out).
    public var transportFailures: Int = 0
    /// Time spent waiting for answers, summed over all requests, in nanoseconds.
    public var totalNanoseconds: UInt64 = 0

    public init() {}
}
