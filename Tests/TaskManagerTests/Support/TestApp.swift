// SPDX-License-Identifier: Apache-2.0
import Fluent
import Foundation
import LivePDP
import PDPClient
@testable import TaskManager
import Vapor
import VaporTesting

/// The admin every test app starts with.
enum TestAdmin {
    static let email = "admin@example.com"
    static let password = "admin-password"
}

/// Runs `body` against a configured task app (in-memory SQLite unless `database` says
/// otherwise) wired to a fresh, real `pdp serve` process with the bundled policy.
func withTaskManager(
    database: TaskManagerConfiguration.Database = .sqliteMemory,
    pdpTimeoutMilliseconds: Int64 = 2_000,
    configuredAdmin: Bool = true,
    _ body: (Application, LivePDP) async throws -> Void
) async throws {
    let pdp = try await LivePDP.start()
    let app = try await Application.make(.testing)
    do {
        var configuration = TaskManagerConfiguration(
            pdp: PDPClientConfiguration(pdpURL: pdp.url, apiKey: pdp.apiKey),
            database: database, adminEmail: configuredAdmin ? TestAdmin.email : nil,
            adminPassword: configuredAdmin ? TestAdmin.password : nil,
            resourcesDirectory: LivePDP.packageRoot.path, bcryptCost: 4)
        configuration.pdp.requestTimeoutMilliseconds = pdpTimeoutMilliseconds
        try await configure(app, configuration)
        try await body(app, pdp)
    } catch {
        try? await app.asyncShutdown()
        await pdp.stop()
        throw error
    }
    try await app.asyncShutdown()
    await pdp.stop()
}

extension Application {
    /// PDP requests the app has sent so far.
    var pdpRequests: Int { taskManager.pdp.requestStatistics.requests }

    /// Creates a user straight in the database and the PDP (as registration does).
    @discardableResult
    func makeUser(_ name: String, role: String = "viewer", password: String = "password-123") async throws -> User {
        let user = User(
            id: UUID(), email: "\(name.lowercased())@example.com", name: name,
            passwordHash: try Bcrypt.hash(password, cost: 4))
        try await Registration.create(user, role: role, pdp: taskManager.pdp, on: db)
        return user
    }

    /// Creates a task straight in the database.
    @discardableResult
    func makeTask(
        _ title: String, owner: User, assignee: User? = nil, status: TaskStatus = .pending, due: String? = nil,
        priority: TaskPriority = .medium
    ) async throws -> TaskItem {
        let task = TaskItem(
            title: title, details: "About \(title)", dueDate: due, priority: priority, status: status,
            ownerID: try owner.requireID(), assigneeID: assignee?.id)
        try await task.create(on: db)
        return task
    }
}

extension Application {
    /// Starts the app's HTTP server on a free loopback port; returns the port.
    func listen() async throws -> Int {
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        guard let port = http.server.shared.localAddress?.port else { throw Abort(.internalServerError) }
        return port
    }
}

extension TaskItem {
    var path: String { "/tasks/\(id?.uuidString.lowercased() ?? "")" }
}

extension User {
    var path: String { "/admin/users/\(id?.uuidString.lowercased() ?? "")" }
}
