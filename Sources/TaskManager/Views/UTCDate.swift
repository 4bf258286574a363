// SPDX-License-Identifier: Apache-2.0
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dates as pages show them, in UTC, without a `DateFormatter` (making one costs tens of
/// microseconds, and a list page would make two per row).
enum UTCDate {
    /// `2026-12-07 14:05 UTC`, or `""` for no date.
    static func minutes(_ date: Date?) -> String {
        guard let date, let parts = components(date) else { return "" }
        return "\(day(parts)) \(pad(parts.tm_hour)):\(pad(parts.tm_min)) UTC"
    }

    /// `2026-12-07`, the day `date` falls on in UTC.
    static func day(_ date: Date) -> String {
        guard let parts = components(date) else { return "1970-01-01" }
        return day(parts)
    }

    private static func day(_ parts: tm) -> String {
        "\(parts.tm_year + 1900)-\(pad(parts.tm_mon + 1))-\(pad(parts.tm_mday))"
    }

    private static func components(_ date: Date) -> tm? {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&seconds, &parts) != nil else { return nil }
        return parts
    }

    private static func pad(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
