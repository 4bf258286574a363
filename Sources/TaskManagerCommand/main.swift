// SPDX-License-Identifier: Apache-2.0
import Foundation
import TaskManager
import Vapor

// Wiring only: the environment into a configuration, then Vapor's usual commands
// (`serve --hostname --port`, `migrate`, `routes`). Vapor's environment defaults to
// `development`; `--env production` turns the Leaf cache on.
var environment = try Environment.detect()
try LoggingSystem.bootstrap(from: &environment)
let app = try await Application.make(environment)
do {
    let configuration = try TaskManagerConfiguration(
        environment: ProcessInfo.processInfo.environment,
        workingDirectory: FileManager.default.currentDirectoryPath)
    try await configure(app, configuration)
    try await app.execute()
} catch {
    app.logger.critical("task-manager cannot start: \(error)")
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
