// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A once-a-second snapshot of a running load, warm-up included.
public struct LoadProgress: Sendable, Equatable {
    public var elapsedSeconds: Double
    /// Requests completed (answered or failed) so far.
    public var requests: Int
    /// Requests completed in the last interval, per second.
    public var currentRate: Double
    /// p99 latency of the measured answers so far, in microseconds.
    public var p99Microseconds: UInt64
    /// Connection errors, timeouts and non-200 answers so far.
    public var errors: Int

    /// `  3.0s  150234 req  50012 req/s  p99 1.21ms  0 errors`
    public var line: String {
        String(format: "%6.1fs  %10d req  %8.0f req/s  p99 %@  %d error%@", elapsedSeconds, requests, currentRate,
               LoadReport.micros(p99Microseconds) as NSString, errors, errors == 1 ? "" : "s")
    }
}
