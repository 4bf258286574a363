// SPDX-License-Identifier: Apache-2.0

/// The characters a key (of a resource, action, role, tenant or user) may contain:
/// ASCII letters, digits and `_ - . @ +`. This excludes `:` and `*`, which mean something
/// in permissions, and whitespace, which is almost always a typo.
enum KeyRules {
    /// Why `key` is not a valid key, as the end of a sentence, or `nil` when it is valid.
    static func problem(in key: String) -> String? {
        if key.isEmpty { return "must not be empty" }
        guard let bad = key.unicodeScalars.first(where: { !isAllowed($0) }) else { return nil }
        return "contains \(describe(bad)); keys may only contain letters, digits and `_ - . @ +`"
    }

    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "-", ".", "@", "+": return true
        default: return false
        }
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case " ": return "a space"
        case "\t": return "a tab"
        default:
            if scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F {
                return "the character U+" + String(scalar.value, radix: 16, uppercase: true)
            }
            return "`\(scalar)`"
        }
    }
}
