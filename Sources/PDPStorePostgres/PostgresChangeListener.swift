// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Wakes the facts writer when another sidecar commits: `LISTEN pdp_facts` on a connection
/// of its own, calling `wake` for every notification, once after every (re)connect (to
/// catch up on what happened meanwhile), and every poll interval whatever happens (so a
/// missed notification costs at most that long, and staleness keeps being measured).
/// Notifications only wake the writer: it reads the change log by position, so nothing is
/// lost or applied twice whatever notifications arrive. When PostgreSQL is unreachable it
/// retries every poll interval (the writer's reads report the failure to `/ready`).
public struct PostgresChangeListener: Service {
    /// The notification channel writers signal on commit.
    public static let channel = "pdp_facts"

    let configuration: PostgresStoreConfiguration
    let logger: Logger
    let wake: @Sendable () -> Void

    /// - Parameter wake: called from any thread; the writer's `follow()`.
    public init(configuration: PostgresStoreConfiguration, logger: Logger, wake: @escaping @Sendable () -> Void) {
        self.configuration = configuration
        self.logger = logger
        self.wake = wake
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await loop()
        }
    }

    private func loop() async {
        let interval = Duration.milliseconds(Int64(configuration.pollIntervalSeconds * 1000))
        var attempt = 0
        var failures = 0
        while !Task.isCancelled {
            attempt += 1
            do {
                try await listen(interval: interval, connectionID: attempt) {
                    if failures > 0 { logger.notice("facts: PostgreSQL is reachable again; catching up") }
                    failures = 0
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                failures += 1
                // Said once per outage, not every second of it.
                if failures == 1 {
                    logger.warning(
                        "facts: lost PostgreSQL; decisions go on from the facts applied so far, writes answer 503 until it is back",
                        metadata: ["error": "\(PostgresSession.describe(error))"])
                }
            }
            wake()  // the writer's read reports the outage, or catches up after it
            do { try await Task.sleep(for: interval) } catch { return }
        }
    }

    private func listen(interval: Duration, connectionID: Int, connected: () -> Void) async throws {
        let options = try PostgresSession.connectionConfiguration(configuration)
        let connection = try await PostgresConnection.connect(configuration: options, id: connectionID, logger: logger)
        connected()
        defer { PostgresSession.close(connection) }
        let wake = self.wake
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await connection.listen(on: Self.channel) { notifications in
                    wake()  // listening now: whatever committed before is read by position
                    for try await _ in notifications { wake() }
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: interval)
                    wake()
                }
            }
            // Either ends only by an error (the connection closed) or cancellation.
            try await group.next()
            group.cancelAll()
        }
    }
}
