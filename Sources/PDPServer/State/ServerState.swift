// SPDX-License-Identifier: Apache-2.0
import Atomics
import Logging
import Synchronization

/// State shared by every connection of one server.
public final class ServerState: Sendable {
    public let store: SnapshotStore
    let configuration: ServerConfiguration
    let authenticator: APIKeyAuthenticator
    let logger: Logger
    let openConnections = ManagedAtomic<Int>(0)
    private let readinessState = Mutex(Readiness())

    init(store: SnapshotStore, configuration: ServerConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.authenticator = APIKeyAuthenticator(apiKey: configuration.apiKey)
        self.logger = logger
    }

    /// What `/ready` reports. Read only by the health endpoints, so a lock is fine here.
    public var readiness: Readiness {
        get { readinessState.withLock { $0 } }
        set { readinessState.withLock { $0 = newValue } }
    }
}
