// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Logging
import Synchronization

/// State shared by every connection of one server.
public final class ServerState: Sendable {
    public let store: SnapshotStore
    /// The serialized writer of the facts API.
    public let facts: FactsWriter
    let configuration: ServerConfiguration
    let authenticator: APIKeyAuthenticator
    let logger: Logger
    /// Who holds the connection slots (``RequestLimits/maxConnections``).
    let connections: ConnectionRegistry
    /// Request body bytes buffered across connections (``RequestLimits/maxBufferedBodyBytes``).
    let bodyBudget: BodyBudget
    /// Where answers that grow with the facts (`/authorized_users`) are built, one at a
    /// time, off the event loops: at most one core goes to them while checks keep the rest.
    let listingQueue = DispatchQueue(label: "pdp.listings", qos: .utility)
    private let readinessState = Mutex(Readiness())
    /// What `/metrics` shows.
    public let metrics: ServerMetrics
    /// The decision and access logs (both off unless configured).
    public let logs: RequestLogs

    /// - Parameters:
    ///   - facts: the facts API's writer; `nil` for one in memory.
    ///   - logs: the decision and access logs; `nil` for neither.
    public init(
        store: SnapshotStore, configuration: ServerConfiguration, logger: Logger, facts: FactsWriter? = nil, logs: RequestLogs? = nil
    ) {
        self.store = store
        self.facts = facts ?? FactsWriter.inMemory(snapshots: store, logger: logger)
        self.configuration = configuration
        self.authenticator = APIKeyAuthenticator(apiKey: configuration.apiKey)
        self.logger = logger
        self.connections = ConnectionRegistry(limits: configuration.limits)
        self.bodyBudget = BodyBudget(limit: configuration.limits.maxBufferedBodyBytes)
        self.metrics = ServerMetrics()
        self.logs = logs ?? RequestLogs()
        let fsyncDuration = metrics.fsyncDuration
        self.facts.observeSyncs { nanoseconds in fsyncDuration.recordNanoseconds(Int64(clamping: nanoseconds)) }
    }

    /// Connections admitted and open now.
    public var openConnectionCount: Int { connections.openCount }
    /// Open connections that have not completed an authenticated request yet.
    public var unauthenticatedConnectionCount: Int { connections.unprovenCount }
    /// Request body bytes reserved by connections now (for tests and monitoring).
    public var bufferedBodyBytes: Int { bodyBudget.reserved }

    /// What `/ready` reports. Read only by the health endpoints, so a lock is fine here.
    public var readiness: Readiness {
        get { readinessState.withLock { $0 } }
        set { readinessState.withLock { $0 = newValue } }
    }
}
