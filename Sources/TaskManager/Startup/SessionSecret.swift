// SPDX-License-Identifier: Apache-2.0
import Crypto
import Fluent
import Vapor

/// The secret behind the CSRF tokens: `SESSION_SECRET` when set, else 32 random bytes
/// generated on the first start and kept in the database (`app_settings`), so restarts and
/// other instances on the same database accept the same forms.
enum SessionSecret {
    static let settingName = "session_secret"

    /// - Throws: when the database cannot be read or written.
    static func load(configured: String?, on database: any Database) async throws -> SymmetricKey {
        if let configured { return SymmetricKey(data: Data(configured.utf8)) }
        if let stored = try await AppSetting.find(settingName, on: database) {
            return SymmetricKey(data: Data(stored.value.utf8))
        }
        let generated = CSRFMiddleware.randomToken()
        do {
            try await AppSetting(name: settingName, value: generated).create(on: database)
            return SymmetricKey(data: Data(generated.utf8))
        } catch {
            // Another instance stored one first: use theirs.
            guard let stored = try await AppSetting.find(settingName, on: database) else { throw error }
            return SymmetricKey(data: Data(stored.value.utf8))
        }
    }
}
