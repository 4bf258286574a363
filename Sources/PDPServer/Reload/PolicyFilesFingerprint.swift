// SPDX-License-Identifier: Apache-2.0
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Names, sizes and modification times of the policy files under some paths (a directory
/// contributes its direct entries). Two fingerprints differ when a file was added, removed,
/// resized or touched: cheap enough to poll every second.
public struct PolicyFilesFingerprint: Equatable, Sendable {
    struct Entry: Equatable, Sendable {
        var path: String
        var size: Int64
        var seconds: Int64
        var nanoseconds: Int64
    }

    var entries: [Entry] = []

    /// Reads the current state of the files under `paths`.
    public init(paths: [String]) {
        for path in paths {
            guard let entry = Self.entry(path) else {
                entries.append(Entry(path: path, size: -1, seconds: 0, nanoseconds: 0))
                continue
            }
            entries.append(entry)
            guard Self.isDirectory(path), let directory = opendir(path) else { continue }
            var names: [String] = []
            while let item = readdir(directory) {
                let name = withUnsafeBytes(of: item.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if !name.hasPrefix(".") { names.append(name) }
            }
            closedir(directory)
            for name in names.sorted() {
                if let child = Self.entry(path + "/" + name) { entries.append(child) }
            }
        }
    }

    private static func entry(_ path: String) -> Entry? {
        var info = stat()
        guard fileStatus(path, &info) == 0 else { return nil }
        return Entry(path: path, size: Int64(info.st_size), seconds: Int64(info.st_mtim.tv_sec), nanoseconds: Int64(info.st_mtim.tv_nsec))
    }

    private static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return fileStatus(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

private func fileStatus(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
