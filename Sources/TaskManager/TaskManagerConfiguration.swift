// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPClient

/// Everything the task app needs to start. Only the `task-manager` command reads the
/// environment (``init(environment:workingDirectory:)``); tests build one directly.
///
/// Defaults: PDP `http://127.0.0.1:7766`, facts API the PDP URL, no API key, database
/// `sqlite://task-manager.sqlite` in the working directory, session secret generated once
/// and stored in the database, no admin credentials (generated and printed on first start),
/// cookies without `Secure`, PDP timeouts 1 s to connect and 2 s per request.
public struct TaskManagerConfiguration: Sendable {
    /// Where the app keeps its data.
    public enum Database: Sendable, Hashable {
        /// A SQLite file.
        case sqliteFile(String)
        /// An in-memory SQLite database (tests).
        case sqliteMemory
        /// A PostgreSQL URL (`postgres://user:password@host:port/database?sslmode=disable`).
        case postgres(String)
    }

    /// How the app reaches the PDP and the facts API.
    public var pdp: PDPClientConfiguration
    public var database: Database
    /// Secret for the CSRF tokens (HMAC-SHA256), at least 32 bytes; `nil`: generated once and
    /// kept in the database's `app_settings`.
    public var sessionSecret: String?
    /// Credentials of the admin created on first start; when `nil`, an admin with a generated
    /// password is created and the credentials printed once.
    public var adminEmail: String?
    public var adminPassword: String?
    /// Set the `Secure` attribute on cookies (serve behind TLS).
    public var secureCookies: Bool
    /// The directory holding `Resources/Views` and `Public` (the package root).
    public var resourcesDirectory: String
    /// Bcrypt cost (lower only in tests).
    public var bcryptCost: Int
    /// Failed logins per e-mail address, and per client address, within ``loginWindowSeconds``
    /// before further attempts are refused with 429.
    public var maxFailedLoginsPerAccount: Int
    public var maxFailedLoginsPerClient: Int
    public var loginWindowSeconds: Int
    /// Roles an admin may give in the user management page, lowest first.
    public var roles: [String]
    /// The role given at registration.
    public var defaultRole: String
    /// The role of the first-start admin.
    public var adminRole: String

    public init(
        pdp: PDPClientConfiguration = PDPClientConfiguration(),
        database: Database = .sqliteFile("task-manager.sqlite"),
        sessionSecret: String? = nil,
        adminEmail: String? = nil,
        adminPassword: String? = nil,
        secureCookies: Bool = false,
        resourcesDirectory: String = FileManager.default.currentDirectoryPath,
        bcryptCost: Int = 12,
        maxFailedLoginsPerAccount: Int = 5,
        maxFailedLoginsPerClient: Int = 20,
        loginWindowSeconds: Int = 900,
        roles: [String] = ["viewer", "admin"],
        defaultRole: String = "viewer",
        adminRole: String = "admin"
    ) {
        self.pdp = pdp
        self.database = database
        self.sessionSecret = sessionSecret
        self.adminEmail = adminEmail
        self.adminPassword = adminPassword
        self.secureCookies = secureCookies
        self.resourcesDirectory = resourcesDirectory
        self.bcryptCost = bcryptCost
        self.maxFailedLoginsPerAccount = maxFailedLoginsPerAccount
        self.maxFailedLoginsPerClient = maxFailedLoginsPerClient
        self.loginWindowSeconds = loginWindowSeconds
        self.roles = roles
        self.defaultRole = defaultRole
        self.adminRole = adminRole
    }
}
