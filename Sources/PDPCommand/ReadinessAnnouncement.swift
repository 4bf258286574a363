// SPDX-License-Identifier: Apache-2.0
import Foundation
import ServiceLifecycle

/// Prints `pdp listening on http://HOST:PORT` once the service group runs, then waits for
/// shutdown.
///
/// Scripts, tests and supervisors take the line to mean "ready, and SIGTERM now shuts down
/// gracefully". The group traps its signals before it starts any service, so printing from a
/// service (not before the group runs) means a SIGTERM sent the moment the line appears is a
/// graceful shutdown, not the default action that kills the process.
struct ReadinessAnnouncement: Service {
    let line: String

    func run() async throws {
        // Unbuffered: whoever waits for the line must not wait for a buffer to fill.
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
        try? await gracefulShutdown()
    }
}
