// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Validation rules shared by the forms and the configuration.
enum FormInput {
    static let minimumPasswordLength = 8
    static let maximumPasswordLength = 128
    static let maximumEmailLength = 120
    static let maximumNameLength = 80
    static let maximumTitleLength = 100
    static let maximumDescriptionLength = 4_000

    /// `local@domain.tld`-shaped, no spaces or angle brackets; the PDP applies the same rule.
    static func isPlausibleEmail(_ text: String) -> Bool {
        guard text.count <= maximumEmailLength, !text.contains(where: { $0.isWhitespace || "<>\"(),;:\\[]".contains($0) })
        else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix(".")
        else { return false }
        return true
    }

    /// Trimmed text, `nil` for an absent or blank field.
    static func trimmed(_ text: String?) -> String? {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// A real calendar date as `YYYY-MM-DD` (what `<input type="date">` posts), or `nil`.
    static func date(_ text: String) -> String? {
        let parts = text.split(separator: "-")
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]),
            let day = Int(parts[2]), (1900...9999).contains(year)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = calendar.date(from: components),
            calendar.dateComponents([.year, .month, .day], from: date) == components
        else { return nil }
        return text
    }

    /// Today in UTC as `YYYY-MM-DD`.
    static func today(_ now: Date = Date()) -> String { UTCDate.day(now) }
}
