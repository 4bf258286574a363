// SPDX-License-Identifier: Apache-2.0
import Foundation
import PDPClient

extension TaskManagerConfiguration {
    /// A bad configuration variable, named, with what was wrong.
    public struct Invalid: Error, CustomStringConvertible {
        public let variable: String
        public let reason: String
        public var description: String { "\(variable): \(reason)" }
    }

    /// Reads `PERMIT_PDP_URL`, `PERMIT_API_URL`, `PERMIT_API_KEY`, `DATABASE_URL`
    /// (`sqlite://PATH`, `sqlite::memory:`, `postgres://…` or `postgresql://…`),
    /// `SESSION_SECRET`, `ADMIN_EMAIL`, `ADMIN_PASSWORD`, `SECURE_COOKIES` (`1`/`true`),
    /// `PDP_TIMEOUT_MS` (per request) and `TASK_MANAGER_RESOURCES` (directory with
    /// `Resources/Views` and `Public`; default the working directory).
    ///
    /// - Throws: ``Invalid`` for a URL that is not http(s), an unknown database scheme, a
    ///   session secret shorter than 32 characters, an admin password shorter than 8
    ///   characters, an e-mail without `@`, or a timeout that is not a positive integer.
    public init(environment: [String: String], workingDirectory: String) throws {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        var pdp = PDPClientConfiguration()
        if let url = value("PERMIT_PDP_URL") { pdp.pdpURL = try Self.httpURL(url, "PERMIT_PDP_URL") }
        if let url = value("PERMIT_API_URL") { pdp.apiURL = try Self.httpURL(url, "PERMIT_API_URL") }
        pdp.apiKey = value("PERMIT_API_KEY")
        if let timeout = value("PDP_TIMEOUT_MS") {
            guard let milliseconds = Int64(timeout), milliseconds > 0 else {
                throw Invalid(variable: "PDP_TIMEOUT_MS", reason: "not a positive number of milliseconds")
            }
            pdp.requestTimeoutMilliseconds = milliseconds
            pdp.connectTimeoutMilliseconds = min(pdp.connectTimeoutMilliseconds, milliseconds)
        }
        let database = try Self.database(value("DATABASE_URL") ?? "sqlite://task-manager.sqlite", workingDirectory)
        let secret = value("SESSION_SECRET")
        if let secret, secret.utf8.count < 32 {
            throw Invalid(variable: "SESSION_SECRET", reason: "shorter than 32 characters")
        }
        let adminEmail = value("ADMIN_EMAIL")
        if let adminEmail, !FormInput.isPlausibleEmail(adminEmail) {
            throw Invalid(variable: "ADMIN_EMAIL", reason: "not an e-mail address")
        }
        let adminPassword = environment["ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let adminPassword, adminPassword.count < FormInput.minimumPasswordLength {
            throw Invalid(variable: "ADMIN_PASSWORD", reason: "shorter than \(FormInput.minimumPasswordLength) characters")
        }
        if adminPassword != nil, adminEmail == nil {
            throw Invalid(variable: "ADMIN_EMAIL", reason: "required when ADMIN_PASSWORD is set")
        }
        let secure = ["1", "true", "yes"].contains(value("SECURE_COOKIES")?.lowercased() ?? "")
        self.init(
            pdp: pdp, database: database, sessionSecret: secret, adminEmail: adminEmail,
            adminPassword: adminPassword, secureCookies: secure,
            resourcesDirectory: value("TASK_MANAGER_RESOURCES") ?? workingDirectory)
    }

    static func httpURL(_ text: String, _ variable: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false
        else { throw Invalid(variable: variable, reason: "not an http(s) URL: \(text)") }
        return text
    }

    static func database(_ text: String, _ workingDirectory: String) throws -> Database {
        if text == "sqlite::memory:" { return .sqliteMemory }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(text) }
        guard text.hasPrefix("sqlite://") else {
            throw Invalid(variable: "DATABASE_URL", reason: "use sqlite://PATH or postgres://… (got \(text.prefix(20))…)")
        }
        let path = String(text.dropFirst("sqlite://".count))
        guard !path.isEmpty else { throw Invalid(variable: "DATABASE_URL", reason: "sqlite:// needs a file path") }
        return .sqliteFile(path.hasPrefix("/") ? path : workingDirectory + "/" + path)
    }
}
