// SPDX-License-Identifier: Apache-2.0
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PDPCore
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Permit-compatible PDP over HTTP/1.1.
///
/// Decisions run synchronously on the connection's event loop against the snapshot in
/// ``store``. Run it as a swift-service-lifecycle `Service` (``run()`` binds, serves until
/// graceful shutdown, then closes the listener and waits for it), or call ``start()`` and
/// ``stop()`` directly (tests).
public final class PDPServer: Service, Sendable {
    public let state: ServerState
    private let group: any EventLoopGroup
    private let listeners = Mutex<[any Channel]>([])

    /// - Parameters:
    ///   - group: the event loops; one per core is the intended setup.
    ///   - facts: the facts API's writer (durable or not); `nil` for one in memory.
    public init(configuration: ServerConfiguration, store: SnapshotStore, group: any EventLoopGroup, logger: Logger, facts: FactsWriter? = nil) {
        self.state = ServerState(store: store, configuration: configuration, logger: logger, facts: facts)
        self.group = group
    }

    public var store: SnapshotStore { state.store }

    /// The bound port, once started (useful with port 0).
    public var localPort: Int? { listeners.withLock { $0.first?.localAddress?.port } }

    /// Binds and starts accepting connections.
    /// - Throws: ``ConfigurationError`` for an unsafe configuration; NIO errors when binding fails.
    public func start() async throws {
        let configuration = state.configuration
        try configuration.validate()
        let state = self.state
        // On a fixed port: one listening socket per event loop (SO_REUSEPORT), each accepting
        // onto its own loop, so the kernel spreads new connections across loops and no accepted
        // connection is handed from one thread to another. This matters because Permit's
        // Python SDK opens a new connection for every call.
        // The cost: the kernel hashes connections onto listeners, so two long-lived
        // connections share one loop about half the time (measured: /allowed/bulk at 2
        // connections 2.1-5.1M decisions/s, against 5.3-6.0M when accepted connections go to
        // the loops in turn). Handing connections out in turn instead cost about 14% of
        // new-connection throughput (wrk, 64 connections, five alternating runs: median 14.6k
        // against 16.9k r/s), and NIO's ServerBootstrap accepts no custom placement policy
        // (its child group must be NIO's own MultiThreadedEventLoopGroup).
        // On port 0 a single listener serves every loop instead: with SO_REUSEPORT, Linux may
        // hand an ephemeral port that another reuse-port socket of the same user already holds,
        // and two servers would then silently share (and split) one port.
        let loops = configuration.port == 0 ? [group.next()] : Array(group.makeIterator())
        var bound: [any Channel] = []
        var port = configuration.port
        do {
            for loop in loops {
                let bootstrap = Self.bootstrap(
                    group: loops.count > 1 ? loop : group, childGroup: loops.count > 1 ? loop : group,
                    state: state, reusePort: loops.count > 1)
                let channel = try await bootstrap
                    .bind(host: configuration.host, port: port)
                    .get()
                bound.append(channel)
                port = channel.localAddress?.port ?? port
            }
        } catch {
            for channel in bound { try? await channel.close() }
            throw error
        }
        let channels = bound
        listeners.withLock { $0 = channels }
        state.logger.info(
            "listening",
            metadata: ["pdp.address": "\(configuration.host):\(port)", "pdp.listeners": "\(channels.count)"])
        if configuration.apiKey == nil {
            state.logger.warning("no API key configured: accepting unauthenticated requests on loopback only")
        }
    }

    private static func bootstrap(
        group: any EventLoopGroup, childGroup: any EventLoopGroup, state: ServerState, reusePort: Bool
    ) -> ServerBootstrap {
        ServerBootstrap(group: group, childGroup: childGroup)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: reusePort ? 1 : 0)
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
        try pipeline.addHandler(ConnectionHandler(server: state, ticket: ticket))
    }

    /// Stops accepting connections and closes the listener.
    public func stop() async throws {
        let channels = listeners.withLock { $0 }
        for channel in channels { try await channel.close() }
    }

    /// Service entry point: starts, then serves until graceful shutdown or cancellation.
    public func run() async throws {
        if localPort == nil { try await start() }
        let channels = listeners.withLock { $0 }
        try await withGracefulShutdownHandler {
            for channel in channels { try await channel.closeFuture.get() }
        } onGracefulShutdown: {
            for channel in channels { channel.close(promise: nil) }
        }
    }
}
