// SPDX-License-Identifier: Apache-2.0

/// Why the facts store cannot open or write.
public enum FactsStoreError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A system call failed (`errno` and what was being done).
    case io(String, errno: Int32)
    /// A journal record before the last one is damaged: refusing to start rather than
    /// silently losing it and everything after it.
    case corruptRecord(file: String, offset: Int, reason: String)
    /// The snapshot file is damaged.
    case corruptSnapshot(file: String, reason: String)
    /// An earlier write failed half-way and could not be rolled back; writes are refused
    /// until restart (which replays what reached the disk).
    case unusable(String)

    public var description: String {
        switch self {
        case .io(let what, let code): "\(what): \(String(cString: strerror(code))) (errno \(code))"
        case .corruptRecord(let file, let offset, let reason):
            "\(file): journal record at byte offset \(offset) is corrupt (\(reason)) and is not the last record; refusing to start. Move the data directory aside or truncate the journal at offset \(offset) to discard it and everything after it."
        case .corruptSnapshot(let file, let reason): "\(file): snapshot is corrupt (\(reason)); refusing to start"
        case .unusable(let why): "the facts store is unusable after an earlier failure: \(why)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
