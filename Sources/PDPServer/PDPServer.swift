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
/// graceful shutdown, then closes the listener and waits for it), or call ``start()`` and
/// ``stop()`` directly (tests).
public final class PDPServer: Service, Sendable {
    public let state: ServerState
    private let group: any EventLoopGroup
    private let listener = Mutex<(any Channel)?>(nil)

    /// - Parameters:
    ///   - group: the event loops; one per core is the intended setup.
    public init(configuration: ServerConfiguration, store: SnapshotStore, group: any EventLoopGroup, logger: Logger) {
        self.state = ServerState(store: store, configuration: configuration, logger: logger)
        self.group = group
    }

    public var store: SnapshotStore { state.store }

    /// The bound port, once started (useful with port 0).
    public var localPort: Int? { listener.withLock { $0?.localAddress?.port } }

    /// Binds and starts accepting connections.
    /// - Throws: ``ConfigurationError`` for an unsafe configuration; NIO errors when binding fails.
    public func start() async throws {
        let configuration = state.configuration
        try configuration.validate()
        let state = self.state
        let limits = configuration.limits
        let decoderLimits = {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderFieldCount = 100
            return decoderLimits
        }()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                let open = state.openConnections.wrappingIncrementThenLoad(ordering: .relaxed)
                channel.closeFuture.whenComplete { _ in state.openConnections.wrappingDecrement(ordering: .relaxed) }
                guard open <= limits.maxConnections else {
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(IdleStateHandler(allTimeout: .seconds(limits.idleTimeoutSeconds)))
                    try sync.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: true,
                        withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
                    try sync.addHandler(HTTPHandler(server: state))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        listener.withLock { $0 = channel }
        state.logger.info(
            "listening",
            metadata: ["pdp.address": "\(configuration.host):\(channel.localAddress?.port ?? configuration.port)"])
        if configuration.apiKey == nil {
            state.logger.warning("no API key configured: accepting unauthenticated requests on loopback only")
        }
    }

    /// Stops accepting connections and closes the listener.
    public func stop() async throws {
        let channel = listener.withLock { $0 }
        try await channel?.close()
    }

    /// Service entry point: starts, then serves until graceful shutdown or cancellation.
    public func run() async throws {
        if localPort == nil { try await start() }
        let channel = listener.withLock { $0 }
        try await withGracefulShutdownHandler {
            try await channel?.closeFuture.get()
        } onGracefulShutdown: {
            channel?.close(promise: nil)
        }
    }
}
