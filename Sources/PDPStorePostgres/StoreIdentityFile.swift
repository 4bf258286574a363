// SPDX-License-Identifier: Apache-2.0
import Foundation

/// `postgres.store_id` in the local copy's directory: the `store_id` of the database the
/// local facts came from, so a sidecar pointed at another database does not mistake its
/// local position for one in that database's change log.
struct StoreIdentityFile {
    let path: String

    init(directory: String) {
        path = directory + "/postgres.store_id"
    }

    /// The recorded id, or `nil` when there is none (or it is unreadable).
    func read() -> String? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : id
    }

    /// Records `id` atomically (temporary file, rename).
    func write(_ id: String) throws {
        guard read() != id else { return }
        try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
