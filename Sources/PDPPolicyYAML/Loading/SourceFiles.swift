// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPCore

/// Why a file could not be found or read, as the diagnostic to report.
struct SourceFileError: Error {
    var diagnostic: Diagnostic
}

/// Finds and reads policy and test files, never reading more than the size limit.
enum SourceFiles {
    /// The policy files a path stands for: the file itself, or every `*.yaml` / `*.yml`
    /// file directly in a directory, except `*_test.yaml` / `*_test.yml` and hidden
    /// (dot) files, sorted by name. Fails with `unreadable-file` for a missing path or an
    /// unreadable directory, or a directory without policy files.
    static func policyFiles(at path: String) -> Result<[String], SourceFileError> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(unreadable(path, "no such file or directory"))
        }
        guard isDirectory.boolValue else { return .success([path]) }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            return .failure(unreadable(path, "the directory cannot be listed"))
        }
        let prefix = path.hasSuffix("/") ? path : path + "/"
        let files = names.filter(isPolicyFileName).sorted().map { prefix + $0 }.filter { file in
            var entryIsDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &entryIsDirectory) && !entryIsDirectory.boolValue
        }
        guard !files.isEmpty else {
            return .failure(unreadable(path, "the directory holds no `*.yaml` or `*.yml` policy files"))
        }
        return .success(files)
    }

    static func isPolicyFileName(_ name: String) -> Bool {
        guard !name.hasPrefix(".") else { return false }
        guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else { return false }
        return !name.hasSuffix("_test.yaml") && !name.hasSuffix("_test.yml")
    }

    /// The bytes of a file. Fails with `limit-exceeded` when the file is larger than
    /// `limits.maxBytes` (checked before reading, and again while reading in case the
    /// file grows or is not a regular file), or `unreadable-file`.
    static func read(_ path: String, limits: YAMLLimits = .standard) -> Result<[UInt8], SourceFileError> {
        if let size = try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber,
           size.intValue > limits.maxBytes
        {
            return .failure(tooLarge(path, size: "\(size.intValue) bytes", limits: limits))
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(unreadable(path, "the file does not exist or cannot be opened"))
        }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: limits.maxBytes + 1) ?? Data()
            guard data.count <= limits.maxBytes else {
                return .failure(tooLarge(path, size: "more than \(limits.maxBytes) bytes", limits: limits))
            }
            return .success([UInt8](data))
        } catch {
            return .failure(unreadable(path, "the file cannot be read"))
        }
    }

    private static func unreadable(_ path: String, _ reason: String) -> SourceFileError {
        SourceFileError(diagnostic: Diagnostic(.unreadableFile, "cannot read `\(path)`: \(reason)", at: SourceLocation(file: path, line: 1, column: 1)))
    }

    private static func tooLarge(_ path: String, size: String, limits: YAMLLimits) -> SourceFileError {
        let message = "the file is \(size); the limit is \(limits.maxBytes) bytes (8 MiB)"
        return SourceFileError(diagnostic: Diagnostic(.limitExceeded, message, at: SourceLocation(file: path, line: 1, column: 1)))
    }
}
