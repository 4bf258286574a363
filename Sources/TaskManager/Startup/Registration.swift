// SPDX-License-Identifier: Apache-2.0
import Fluent
import PDPClient
import Vapor

/// Creating a user in both places, all or nothing. The PDP first (`users.sync`, then the
/// role), the database row last: if the PDP is down or refuses, no row is written; if the
/// role cannot be given, or the row cannot be written (a duplicate e-mail raced in), the PDP
/// user is deleted again. The key is a fresh random UUID, so even a PDP user that could not
/// be deleted (the PDP died between the calls) is never inherited by a later registrant.
enum Registration {
    /// - Throws: ``PDPClientError`` when the PDP cannot register the user (nothing kept),
    ///   or the database error when the row cannot be written (PDP user removed).
    static func create(_ user: User, role: String, pdp: PDPClient, on database: any Database) async throws {
        let key = user.pdpKey
        try await pdp.syncUser(key: key, email: user.email, firstName: user.name)
        do {
            try await pdp.assignRole(user: key, role: role)
            try await user.create(on: database)
        } catch {
            do {
                try await pdp.deleteUser(key: key)
            } catch let cleanup {
                Logger(label: "task-manager").warning(
                    "registration rolled back, but the PDP user could not be removed; it holds no usable key",
                    metadata: ["pdp.user": "\(key)", "error": "\(cleanup)"])
            }
            throw error
        }
    }
}
