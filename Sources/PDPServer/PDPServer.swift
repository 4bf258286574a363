// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PDPCore
import ServiceLifecycle
import Synchronization

/// The Permit-compatible PDP over HTTP/1.1.
///
/// Decisions run synchronously on the connection's event loop against the snapshot in
/// ``store``. Run it as a swift-service-lifecycle `Service` (``run()`` binds, serves until
/// graceful shutdown, then closes the listener and drains the connections: see
/// ``drain()``), or call ``start()`` and ``stop()`` directly (tests).
public final class PDPServer: Service, Sendable {
    public let state: ServerState
    private let group: any EventLoopGroup
    private let listeners = Mutex<[any Channel]>([])

    /// - Parameters:
    ///   - group: the event loops; one per core is the intended setup.
    ///   - facts: the facts API's writer (durable or not); `nil` for one in memory.
    ///   - logs: the decision and access logs; `nil` for neither.
    public init(
        configuration: ServerConfiguration, store: SnapshotStore, group: any EventLoopGroup, logger: Logger, facts: FactsWriter? = nil,
        logs: RequestLogs? = nil
    ) {
        self.state = ServerState(store: store, configuration: configuration, logger: logger, facts: facts, logs: logs)
        self.group = group
    }

    public var store: SnapshotStore { state.store }

    /// The bound port, once started (useful with port 0).
    public var localPort: Int? { listeners.withLock { $0.first?.localAddress?.port } }

    /// Whether the listener is open (started and not stopped).
    public var isAccepting: Bool { listeners.withLock { $0.contains { $0.isActive } } }

    /// Resolves the host, binds and starts accepting connections.
    ///
    /// One listening socket, without `SO_REUSEPORT`, so binding an address that another
    /// process holds fails (one socket per loop with `SO_REUSEPORT` let a second `pdp serve`
    /// start on the same port and take part of the traffic). One event loop accepts and
    /// hands the connections to the loops in turn, as NIO's `ServerBootstrap` does with a
    /// child group. The hand-off costs a connection made per request about 5 us of server
    /// CPU (38 against 33 us per request, wrk -c64 with `Connection: close`, medians of five
    /// alternating runs); keep-alive requests cost the same as before (7.0 against 7.3 us).
    /// Every loop accepting from the one socket, through descriptors of their own, would
    /// avoid it, but trips an assertion in NIO, which expects a readable socket to yield a
    /// connection to the one loop that was woken.
    /// - Throws: ``ConfigurationError`` for an unsafe or unusable configuration: a host that
    ///   does not resolve, or that resolves to any address outside loopback while no API
    ///   key is set; ``BindError`` when the address cannot be bound (`isAddressInUse` when
    ///   another socket holds it).
    public func start() async throws {
        let configuration = state.configuration
        // Resolved once, off the cooperative pool (the resolver blocks): the loopback check
        // and the bind use the same answer.
        let address = try await NIOThreadPool.singleton.runIfActive { try configuration.listenAddress() }
        let channel: any Channel
        do {
            channel = try await Self.bootstrap(group: group, state: state).bind(to: address.addresses[0]).get()
        } catch let error as IOError {
            throw BindError(address: ListenAddress.authority(host: configuration.host, port: configuration.port), errno: error.errnoCode)
        }
        let port = channel.localAddress?.port ?? configuration.port
        listeners.withLock { $0 = [channel] }
        state.logger.info("listening", metadata: ["pdp.address": "\(ListenAddress.authority(host: configuration.host, port: port))"])
        if configuration.apiKey == nil {
            state.logger.warning("no API key configured: accepting unauthenticated requests on loopback only")
        }
    }

    private static func bootstrap(group: any EventLoopGroup, state: ServerState) -> ServerBootstrap {
        ServerBootstrap(group: group, childGroup: group)
            .serverChannelOption(.backlog, value: 1024)
            // SO_REUSEADDR only, so a restart need not wait for the last run's connections in
            // TIME_WAIT; never SO_REUSEPORT, which would let another process share the port.
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                // Admission (and eviction of unproven connections) is ConnectionRegistry's.
                guard let ticket = state.connections.admitOrClose(channel) else { return channel.close() }
                return channel.eventLoop.makeCompletedFuture {
                    try PDPServer.configurePipeline(channel.pipeline.syncOperations, state: state, ticket: ticket)
                }
            }
    }

    /// Adds the HTTP/1.1 connection handler (which also enforces the idle timeout) to a connection's pipeline.
    ///
    /// Public so benchmarks and tests can drive the exact production pipeline in process
    /// (for example on an `EmbeddedChannel`).
    public static func configurePipeline(_ pipeline: ChannelPipeline.SynchronousOperations, state: ServerState) throws {
        try configurePipeline(pipeline, state: state, ticket: nil)
    }

    /// The same, for a connection admitted through ``ServerState/connections`` (`ticket`).
    static func configurePipeline(
        _ pipeline: ChannelPipeline.SynchronousOperations, state: ServerState, ticket: ConnectionRegistry.Ticket?
    ) throws {
        try pipeline.addHandler(ConnectionHandler(server: state, ticket: ticket, loop: pipeline.eventLoop))
    }

    /// Stops accepting connections and closes the listener (already closed is fine).
    public func stop() async throws {
        let channels = listeners.withLock { $0 }
        for channel in channels {
            do {
                try await channel.close()
            } catch ChannelError.alreadyClosed {
                continue
            }
        }
    }

    /// Service entry point: starts, then serves until graceful shutdown or cancellation. On
    /// graceful shutdown, closes the listener (new connections are refused), then
    /// ``drain()``s the open connections.
    public func run() async throws {
        if localPort == nil { try await start() }
        let channels = listeners.withLock { $0 }
        try await withGracefulShutdownHandler {
            for channel in channels { try await channel.closeFuture.get() }
        } onGracefulShutdown: {
            for channel in channels { channel.close(promise: nil) }
        }
        await drain()
    }

    /// Closes the listener, then drains (tests; a service group does this on SIGTERM).
    public func shutdownGracefully() async throws {
        try await stop()
        await drain()
    }

    /// Lets the open connections finish: each answers the request it has under way (and any
    /// that arrives within a short grace) with `connection: close` and closes; idle ones
    /// close. Returns when none is left, or after ``ServerConfiguration/shutdownTimeout``,
    /// when the remaining ones are closed. Call once the listener is closed.
    public func drain() async {
        guard beginDraining() > 0 else { return }
        await finishDraining()
    }

    /// Tells every open connection to drain; returns how many there were.
    @discardableResult
    func beginDraining() -> Int {
        let open = state.connections.openChannels
        guard !open.isEmpty else { return 0 }
        state.logger.info(
            "draining connections", metadata: ["pdp.connections": "\(open.count)", "pdp.timeout": "\(state.configuration.shutdownTimeout)"])
        for channel in open { channel.pipeline.fireUserInboundEventTriggered(ConnectionDrain()) }
        return open.count
    }

    /// Waits until every connection has closed, or ``ServerConfiguration/shutdownTimeout``
    /// from now, then closes what is left.
    func finishDraining() async {
        let connections = state.connections
        let timeout = state.configuration.shutdownTimeout
        let logger = state.logger
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await connections.waitUntilEmpty() }
            group.addTask {
                do { try await Task.sleep(for: timeout) } catch { return }
                let left = connections.openChannels
                logger.warning("shutdown timeout reached: closing connections", metadata: ["pdp.connections": "\(left.count)"])
                for channel in left { channel.close(promise: nil) }
            }
            // The first to finish: all closed, or the deadline (which closes the rest, so the
            // wait for them ends too).
            await group.next()
            group.cancelAll()
        }
    }
}
