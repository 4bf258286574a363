// SPDX-License-Identifier: Apache-2.0
import PDPClient
import Vapor

extension Request {
    private struct PermissionsKey: StorageKey { typealias Value = Permissions }
    private struct CurrentUserKey: StorageKey { typealias Value = User }

    /// The logged-in user (set by ``CurrentUserMiddleware``), or `nil`.
    var currentUser: User? {
        get { storage[CurrentUserKey.self] }
        set { storage[CurrentUserKey.self] = newValue }
    }

    /// The logged-in user and their id.
    ///
    /// - Throws: ``PageError/loginRequired`` when nobody is logged in.
    func requireUser() throws -> (User, UUID) {
        guard let user = currentUser, let id = user.id else { throw PageError.loginRequired }
        return (user, id)
    }

    /// The current user's permissions: one `/allowed/bulk` call the first time in a request,
    /// then the same answer for the rest of it.
    ///
    /// - Throws: ``PageError/loginRequired`` without a user; ``PDPClientError`` when the PDP
    ///   cannot decide (shown as a 503 page: fail closed).
    func permissions() async throws -> Permissions {
        if let known = storage[PermissionsKey.self] { return known }
        let (user, _) = try requireUser()
        let decisions = try await application.taskManager.pdp.bulkCheck(Permissions.checks(for: user.pdpKey))
        let permissions = Permissions(decisions: decisions)
        storage[PermissionsKey.self] = permissions
        return permissions
    }

    /// The permissions if this request already asked the PDP (error pages use it for the
    /// navigation without asking again).
    var knownPermissions: Permissions? { storage[PermissionsKey.self] }

    /// Asks for the permissions and requires one of them.
    ///
    /// - Throws: ``PageError/forbidden`` when `allowed` is false for them.
    @discardableResult
    func require(_ allowed: (Permissions) -> Bool) async throws -> Permissions {
        let permissions = try await permissions()
        guard allowed(permissions) else { throw PageError.forbidden }
        return permissions
    }
}
