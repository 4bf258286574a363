// SPDX-License-Identifier: Apache-2.0

/// The characters a key (of a resource, action, role, tenant or user) may contain:
/// ASCII letters, digits and `_ - . @ +`. This excludes `:` and `*`, which mean something
/// in permissions, and whitespace, which is almost always a typo.
enum KeyRules {
    /// Why `key` is not a valid key, as the end of a sentence, or `nil` when it is valid.
    static func problem(in key: String) -> String? {
        if key.isEmpty { return "must not be empty" }
        // Fast path: every allowed character is ASCII, so a byte check decides validity.
        guard !key.utf8.allSatisfy({ allowedBytes[Int($0)] }) else { return nil }
        let bad = key.unicodeScalars.first { !($0.isASCII && allowedBytes[Int($0.value)]) } ?? " "
        return "contains \(describe(bad)); keys may only contain letters, digits and `_ - . @ +`"
    }

    /// `allowedBytes[b]` is true when the byte `b` may appear in a key.
    private static let allowedBytes: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "@"), UInt8(ascii: "+"):
            return true
        default:
            return false
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
