// SPDX-License-Identifier: Apache-2.0
import Fluent
import PDPClient
import Vapor

/// The first start's admin. When the database has no user yet, it creates one from
/// `ADMIN_EMAIL` / `ADMIN_PASSWORD`, or `admin@example.com` with a generated password that is
/// printed once on standard output, registers it in the PDP and gives it the admin role
/// there. When `ADMIN_EMAIL` names an existing user, that user is given the admin role again
/// (harmless if it holds it), so a PDP that lost its facts gets its admin back.
/// A PDP that is down is logged and retried at the next start; nothing half-made is kept.
enum AdminBootstrap {
    static let generatedEmail = "admin@example.com"

    static func run(_ app: Application) async {
        let configuration = app.taskManager.configuration
        let pdp = app.taskManager.pdp
        do {
            if let email = configuration.adminEmail?.lowercased(),
                let existing = try await User.query(on: app.db).filter(\.$email == email).first()
            {
                try await pdp.assignRole(user: existing.pdpKey, role: configuration.adminRole)
                return
            }
            guard try await User.query(on: app.db).count() == 0 else { return }
            let email = configuration.adminEmail?.lowercased() ?? generatedEmail
            let password = configuration.adminPassword ?? generatePassword()
            let hash = try await app.password.async.hash(password)
            let admin = User(id: UUID(), email: email, name: "Administrator", passwordHash: hash)
            try await Registration.create(admin, role: configuration.adminRole, pdp: pdp, on: app.db)
            if configuration.adminPassword == nil {
                // Written straight to the file descriptor: print() may sit in a buffer when
                // stdout is a file (scripts/run.sh reads this line from the app's log).
                let line = "task-manager: created the admin account \(email) with password \(password) (shown once)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            } else {
                app.logger.notice("created the admin account", metadata: ["user.email": "\(email)"])
            }
        } catch {
            app.logger.error(
                "could not set up the admin account in the PDP; will retry at the next start",
                metadata: ["error": "\(error)"])
        }
    }

    static func generatePassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<16).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
