// SPDX-License-Identifier: Apache-2.0
import PDPClient
import Vapor

/// What the app's routes share: the PDP client, the configuration and the login limiter.
/// Set by ``configure(_:_:)``; the PDP client is shut down with the application.
public struct TaskManagerServices: Sendable {
    public let configuration: TaskManagerConfiguration
    public let pdp: PDPClient
    let loginLimiter: LoginRateLimiter
    /// A bcrypt hash (at the configured cost) of a random password: logins for unknown
    /// addresses verify against it, so they take as long as real ones.
    let decoyHash: String
}

extension Application {
    private struct ServicesKey: StorageKey { typealias Value = TaskManagerServices }

    /// The task app's services.
    ///
    /// Configure the app with ``configure(_:_:)`` first; reading this before is a programming
    /// error and stops the process.
    public var taskManager: TaskManagerServices {
        get {
            guard let services = storage[ServicesKey.self] else {
                preconditionFailure("configure(_:_:) must run before the task manager's services are used")
            }
            return services
        }
        set { storage[ServicesKey.self] = newValue }
    }
}

/// Shuts the PDP client's connection pool down with the application, and logs how many
/// PDP requests were made and the mean time waited for them (what share of page time the
/// PDP took, for performance work).
struct PDPClientLifecycle: LifecycleHandler {
    let client: PDPClient

    func shutdownAsync(_ application: Application) async {
        let statistics = client.requestStatistics
        if statistics.requests > 0 {
            let mean = Double(statistics.totalNanoseconds) / Double(statistics.requests) / 1_000
            application.logger.notice(
                "PDP requests",
                metadata: [
                    "pdp.requests": "\(statistics.requests)", "pdp.transport_failures": "\(statistics.transportFailures)",
                    "pdp.mean_us": "\(Int(mean.rounded()))",
                ])
        }
        await client.shutdown()
    }
}
