// SPDX-License-Identifier: Apache-2.0
import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SHA-256 of the policy files under some paths (the files ``PolicyFilesFingerprint``
/// watches: a file given, and the direct entries of a directory given), each file's path
/// and bytes in order: the `digest` label of `pdp_policy_info`, so an operator can tell which
/// policy every sidecar serves.
public enum PolicyDigest {
    /// Lowercase hex; a file that cannot be read contributes its path and a marker.
    public static func of(paths: [String]) -> String {
        var hash = SHA256()
        for entry in PolicyFilesFingerprint(paths: paths).entries where entry.size >= 0 {
            hash.update(data: Array(entry.path.utf8) + [0])
            if let bytes = contents(entry.path) {
                hash.update(data: bytes)
            } else {
                hash.update(data: Array("<unreadable>".utf8))
            }
            hash.update(data: [0])
        }
        return hash.finalize().map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// A regular file's bytes; `nil` for a directory or an unreadable file.
    private static func contents(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
