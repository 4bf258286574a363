// SPDX-License-Identifier: Apache-2.0
import Foundation
import Logging
import NIOCore
import NIOPosix
import PDPCore
import PDPServer
import Testing

/// Binding: one socket per server, never shared with another server, and the loopback
/// decision taken on the resolved addresses.
@Suite struct ListeningTests {
    static let body = #"{"user":{"key":"alice"},"action":"read","resource":{"type":"task"}}"#

    /// A server on `port` with two event loops, as `pdp serve` runs on this machine.
    static func makeServer(port: Int, group: any EventLoopGroup) throws -> PDPServer {
        var logger = Logger(label: "listening-tests")
        logger.logLevel = .critical
        let configuration = ServerConfiguration(host: "127.0.0.1", port: port, apiKey: HTTPRequest.apiKey)
        return PDPServer(configuration: configuration, store: SnapshotStore(try Fixtures.snapshot()), group: group, logger: logger)
    }

    /// Runs `body` with two event loops, shut down afterwards, also when it throws.
    static func withEventLoops(_ body: (any EventLoopGroup) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        do {
            try await body(group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }

    @Test("a second server on a port the first holds fails with `address ... already in use`; the first serves every connection")
    func secondServerOnTheSamePortFails() async throws {
        try await Self.withEventLoops { group in try await secondServerOnTheSamePortFails(group: group) }
    }

    func secondServerOnTheSamePortFails(group: any EventLoopGroup) async throws {
        // Port 0: a port probed free and bound later could be taken in between by one of the
        // suite's other servers (they run in parallel).
        let first = try Self.makeServer(port: 0, group: group)
        try await first.start()
        let port = try #require(first.localPort)

        let second = try Self.makeServer(port: port, group: group)
        do {
            try await second.start()
            Issue.record("the second server started on port \(port)")
            try await second.stop()
        } catch let error as BindError {
            #expect(error.isAddressInUse)
            #expect(error.description == "address 127.0.0.1:\(port) already in use")
        }
        #expect(second.localPort == nil)

        // Every new connection reaches the first server, with its answers.
        for _ in 0..<40 {
            let client = try RawHTTPClient(port: port)
            let response = try client.roundTrip(.post("/allowed", Self.body))
            #expect(response.status == 200)
            client.close()
        }
        try await first.stop()
        // Binding the port again at once, while the first's connections linger in TIME_WAIT,
        // is tested on the real binary (Tests/compat/test_serve.py): here the suite's other
        // tests, in parallel, may be given the freed port as a client's ephemeral port.
    }

    @Test("no API key: a host is loopback only when every address it resolves to is")
    func loopbackIsDecidedOnResolvedAddresses() throws {
        // Starts with `127.` but is a name, and `.invalid` never resolves (RFC 6761).
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "127.invalid", apiKey: nil).listenAddress() }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "127.0.0.1.invalid", apiKey: nil).listenAddress() }
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            let address = try ServerConfiguration(host: host, apiKey: nil).listenAddress()
            #expect(address.isLoopback, "\(host)")
            #expect(!address.addresses.isEmpty)
        }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "0.0.0.0", apiKey: nil).listenAddress() }

        let loopbackV4 = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        let other = try SocketAddress(ipAddress: "10.0.0.1", port: 1)
        #expect(ListenAddress(host: "h", port: 1, addresses: [loopbackV4]).isLoopback)
        #expect(!ListenAddress(host: "h", port: 1, addresses: [loopbackV4, other]).isLoopback, "one address outside loopback is enough to refuse")
        #expect(!ListenAddress(host: "h", port: 1, addresses: []).isLoopback)
        #expect(ListenAddress.isLoopback(try SocketAddress(ipAddress: "::ffff:127.0.0.9", port: 1)))
        #expect(!ListenAddress.isLoopback(try SocketAddress(ipAddress: "::ffff:10.0.0.1", port: 1)))
        #expect(!ListenAddress.isLoopback(try SocketAddress(ipAddress: "::", port: 1)))
        #expect(!ListenAddress.isLoopback(try SocketAddress(ipAddress: "::2", port: 1)))
    }

    @Test func anIPv6HostIsWrittenInBrackets() {
        #expect(ListenAddress.authority(host: "::1", port: 7766) == "[::1]:7766")
        #expect(ListenAddress.authority(host: "[::1]", port: 7766) == "[::1]:7766")
        #expect(ListenAddress.authority(host: "127.0.0.1", port: 7766) == "127.0.0.1:7766")
        #expect(ListenAddress.authority(host: "localhost", port: 80) == "localhost:80")
    }
}
