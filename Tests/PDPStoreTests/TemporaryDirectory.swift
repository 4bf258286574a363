// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under /tmp, removed (with its files) by ``remove()``.
struct TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/pdp-store-test-XXXXXX".utf8CString)
        let made: String? = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return nil }
            return String(cString: result)
        }
        path = made ?? "/tmp/pdp-store-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        mkdir(path, 0o755)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() {
        for name in ["facts.snapshot", "facts.snapshot.tmp", "facts.journal", "facts.journal.compacting", "facts.lock"] {
            unlink(file(name))
        }
        rmdir(path)
    }

    func read(_ name: String) -> [UInt8] {
        guard let handle = fopen(file(name), "rb") else { return [] }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        guard let handle = fopen(file(name), "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
        fclose(handle)
    }
}
