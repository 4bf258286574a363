// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether this test process runs under a sanitizer (`swift test --sanitize=address` or
/// `=thread`), found by looking up the sanitizer runtime's entry point.
///
/// Sanitized code runs 2-15 times slower, so tests that bound a duration to catch quadratic
/// work widen the bound by ``slowdown`` instead of failing on the sanitizer's cost.
public enum Sanitizers {
    public static let active: Bool = {
        #if canImport(Glibc)
        let process = UnsafeMutableRawPointer(bitPattern: 0)  // RTLD_DEFAULT
        #else
        let process = UnsafeMutableRawPointer(bitPattern: -2)  // RTLD_DEFAULT on Darwin
        #endif
        return dlsym(process, "__asan_init") != nil || dlsym(process, "__tsan_init") != nil
    }()

    /// The factor to widen a time bound by: 1 without a sanitizer, 10 under one.
    public static var slowdown: Int { active ? 10 : 1 }
}
