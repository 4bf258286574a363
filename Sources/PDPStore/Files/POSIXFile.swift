// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over the system calls the store needs, turning failures into
/// ``FactsStoreError/io(_:errno:)``.
enum POSIXFile {
    static func openFile(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws(FactsStoreError) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .io("open \(path)", errno: errno) }
        return fd
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func size(_ fd: Int32, _ path: String) throws(FactsStoreError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io("stat \(path)", errno: errno) }
        return Int(info.st_size)
    }

    static func readAll(_ path: String) throws(FactsStoreError) -> [UInt8] {
        let fd = try openFile(path, O_RDONLY)
        defer { _ = close(fd) }
        var bytes = [UInt8](repeating: 0, count: try size(fd, path))
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, $0.count - done, off_t(done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .io("read \(path)", errno: count < 0 ? errno : EIO) }
            done += count
        }
        return bytes
    }

    static func write(_ fd: Int32, _ bytes: [UInt8], at offset: Int, _ path: String) throws(FactsStoreError) {
        var done = 0
        while done < bytes.count {
            let count = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress! + done, $0.count - done, off_t(offset + done)) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { throw .io("write \(path)", errno: count < 0 ? errno : EIO) }
            done += count
        }
    }

    static func sync(_ fd: Int32, _ path: String) throws(FactsStoreError) {
        guard fsync(fd) == 0 else { throw .io("fsync \(path)", errno: errno) }
    }

    static func truncate(_ fd: Int32, to length: Int, _ path: String) throws(FactsStoreError) {
        guard ftruncate(fd, off_t(length)) == 0 else { throw .io("truncate \(path)", errno: errno) }
    }

    /// Makes a rename or a new file durable: fsync of the containing directory.
    static func syncDirectory(_ directory: String) throws(FactsStoreError) {
        let fd = try openFile(directory, O_RDONLY | O_DIRECTORY)
        defer { _ = close(fd) }
        try sync(fd, directory)
    }

    static func renameFile(_ from: String, _ to: String) throws(FactsStoreError) {
        guard rename(from, to) == 0 else { throw .io("rename \(from) to \(to)", errno: errno) }
    }

    static func remove(_ path: String) throws(FactsStoreError) {
        guard unlink(path) == 0 || errno == ENOENT else { throw .io("remove \(path)", errno: errno) }
    }

    static func makeDirectory(_ path: String) throws(FactsStoreError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            // Owner-only: the facts hold users' emails and names.
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST { throw .io("create directory \(prefix)", errno: errno) }
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, fsync of the directory.
    static func replaceAtomically(_ path: String, with bytes: [UInt8], directory: String) throws(FactsStoreError) {
        let temporary = path + ".tmp"
        let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_TRUNC)
        do {
            try write(fd, bytes, at: 0, temporary)
            try sync(fd, temporary)
        } catch {
            _ = close(fd)
            throw error
        }
        _ = close(fd)
        try renameFile(temporary, path)
        try syncDirectory(directory)
    }
}
