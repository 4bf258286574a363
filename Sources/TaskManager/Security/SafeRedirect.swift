// SPDX-License-Identifier: Apache-2.0

/// Where to go after logging in: only a path on this site. Anything else (`https://…`,
/// `//host`, `/\host`, control characters, a relative path) falls back to `fallback`.
enum SafeRedirect {
    static func target(_ next: String?, fallback: String = "/tasks") -> String {
        guard let next, next.hasPrefix("/"), next.count <= 512 else { return fallback }
        let second = next.dropFirst().first
        if second == "/" || second == "\\" { return fallback }
        if next.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" }) { return fallback }
        return next
    }
}
