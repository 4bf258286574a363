// SPDX-License-Identifier: Apache-2.0
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Leaf
import PDPClient
import Vapor

/// Sets up the task app on `app`: database, migrations (run now), sessions in the database,
/// CSRF, security headers, error pages, Leaf views, the PDP client, the first-start admin and
/// the routes.
///
/// - Throws: when the database cannot be opened or migrated, or the views directory is
///   missing. A PDP that is down does not stop the start (pages answer 503 until it is back);
///   the first-start admin is then created on a later start.
public func configure(_ app: Application, _ configuration: TaskManagerConfiguration) async throws {
    switch configuration.database {
    case .sqliteFile(let path):
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .debug), as: .sqlite)
    case .sqliteMemory:
        app.databases.use(.sqlite(.memory, sqlLogLevel: .debug), as: .sqlite)
    case .postgres(let url):
        try app.databases.use(.postgres(url: url, sqlLogLevel: .debug), as: .psql)
    }
    app.migrations.add(CreateUsers(), CreateTasks(), CreateAppSettings())
    app.migrations.add(SessionRecord.migration)
    try await app.autoMigrate()

    var directory = DirectoryConfiguration(workingDirectory: configuration.resourcesDirectory)
    directory.workingDirectory = directory.workingDirectory.hasSuffix("/") ? directory.workingDirectory : directory.workingDirectory + "/"
    app.directory = DirectoryConfiguration(workingDirectory: directory.workingDirectory)
    guard FileManager.default.fileExists(atPath: app.directory.viewsDirectory) else {
        throw TaskManagerConfiguration.Invalid(
            variable: "TASK_MANAGER_RESOURCES",
            reason: "no views at \(app.directory.viewsDirectory) (run from the package root or set TASK_MANAGER_RESOURCES)")
    }
    app.views.use(.leaf)
    app.leaf.cache.isEnabled = app.environment.isRelease || app.environment == .testing

    app.passwords.use(.bcrypt(cost: configuration.bcryptCost))
    let secret = try await SessionSecret.load(configured: configuration.sessionSecret, on: app.db)

    let pdp = PDPClient(configuration: configuration.pdp, logger: Logger(label: "task-manager.pdp"))
    app.lifecycle.use(PDPClientLifecycle(client: pdp))
    app.taskManager = TaskManagerServices(
        configuration: configuration, pdp: pdp,
        loginLimiter: LoginRateLimiter(
            perAccount: configuration.maxFailedLoginsPerAccount, perClient: configuration.maxFailedLoginsPerClient,
            windowSeconds: configuration.loginWindowSeconds),
        decoyHash: try Bcrypt.hash(CSRFMiddleware.randomToken(), cost: configuration.bcryptCost))

    let fluentSessions = app.fluent.sessions.driver()
    app.sessions.use { _ in ChangeTrackingSessions(base: fluentSessions) }
    app.sessions.configuration.cookieName = "tm_session"
    let secure = configuration.secureCookies
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(
            string: id.string, maxAge: Int(CurrentUserMiddleware.maxAge), path: "/", isSecure: secure,
            isHTTPOnly: true, sameSite: .lax)
    }

    // Outermost first. No Vapor ErrorMiddleware: ErrorPageMiddleware shows every failure.
    app.middleware = Middlewares()
    app.middleware.use(RouteLoggingMiddleware(logLevel: .info))
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))
    app.middleware.use(app.sessions.middleware)
    app.middleware.use(CSRFMiddleware(key: secret, secureCookies: secure))
    app.middleware.use(CurrentUserMiddleware())

    try app.register(collection: HomeController())
    try app.register(collection: AuthController())
    try app.register(collection: TaskController())
    try app.register(collection: AdminUserController())
    try app.register(collection: AnalyticsController())

    // The first-start admin needs the PDP: only when serving (not for `migrate` or `routes`).
    if isServing(app.environment.arguments) { await AdminBootstrap.run(app) }
}

/// True when the command line runs `serve` (Vapor's default command when none is named).
func isServing(_ arguments: [String]) -> Bool {
    guard let command = arguments.dropFirst().first else { return true }
    return command == "serve" || command.hasPrefix("-")
}
