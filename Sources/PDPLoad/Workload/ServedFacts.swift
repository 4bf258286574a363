// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOPosix
import PDPCore
import PDPWire

/// The role assignments a PDP serves, read from `GET /local/role_assignments` page by page
/// (Permit's PDP answers it too), so a workload can be generated and verified against facts
/// written through the API, not only those the policy files declare.
///
/// Read once before the run: answers are verified against the facts as they were then.
public struct ServedFacts: Sendable, Equatable {
    /// One role a user holds in a tenant.
    public struct Assignment: Sendable, Hashable {
        public var user: String
        public var role: String
        public var tenant: String
    }

    public var assignments: [Assignment]

    /// Most pages read (100 assignments each): a million assignments.
    public static let maxPages = 10_000

    /// Reads every page over one keep-alive connection.
    /// - Throws: ``LoadError`` when the PDP cannot be reached, answers anything but 200 with a
    ///   JSON array, or has more than ``maxPages`` pages.
    public static func fetch(from target: TargetURL, apiKey: String?, timeoutSeconds: Double = 10) async throws -> ServedFacts {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let facts = try await fetch(from: target, apiKey: apiKey, timeoutSeconds: timeoutSeconds, group: group)
            try await group.shutdownGracefully()
            return facts
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private static func fetch(from target: TargetURL, apiKey: String?, timeoutSeconds: Double, group: any EventLoopGroup) async throws -> ServedFacts {
        let address = try LoadRunner.resolve(target)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(timeoutSeconds * 1000)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(ResponseCollector()) }
                }
                .connect(to: address).get()
        } catch {
            var code: Int32?
            if let error = error as? IOError { code = error.errnoCode }
            if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
                code = (first.error as? IOError)?.errnoCode
            }
            throw LoadError(ConnectFailure.describe(code, to: address, detail: "\(error)"))
        }
        defer { channel.close(promise: nil) }
        var assignments: [Assignment] = []
        for page in 1...maxPages {
            let path = "\(target.basePath)/local/role_assignments?page=\(page)&per_page=100"
            var head = "GET \(path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\nAccept: application/json\r\n"
            if let apiKey { head += "Authorization: Bearer \(apiKey)\r\n" }
            head += "\r\n"
            let promise = channel.eventLoop.makePromise(of: (HTTPResponseHead, ByteBuffer).self)
            channel.pipeline.fireUserInboundEventTriggered(ResponseCollector.Expect(promise: promise))
            try await channel.writeAndFlush(channel.allocator.buffer(string: head))
            let timeout = channel.eventLoop.scheduleTask(in: .milliseconds(Int64(timeoutSeconds * 1000))) {
                promise.fail(LoadError("no answer from \(path) within \(timeoutSeconds) s"))
            }
            let (response, body) = try await promise.futureResult.get()
            timeout.cancel()
            guard response.status == 200 else {
                throw LoadError("\(path) answered \(response.status): \(String(buffer: body).prefix(200))")
            }
            let batch = try parse(body, path: path)
            if batch.isEmpty { return ServedFacts(assignments: assignments) }
            assignments += batch
        }
        throw LoadError("more than \(maxPages * 100) role assignments: too many to verify against")
    }

    /// `[{"user": ..., "role": ..., "tenant": ...}, ...]`; other members are ignored.
    static func parse(_ body: ByteBuffer, path: String) throws(LoadError) -> [Assignment] {
        guard let value = try? JSONValue.parse(body), let items = value.arrayValue else {
            throw LoadError("\(path) did not answer a JSON array")
        }
        var assignments: [Assignment] = []
        for item in items {
            guard let user = item["user"]?.stringValue, let role = item["role"]?.stringValue, let tenant = item["tenant"]?.stringValue
            else { throw LoadError("\(path) answered an item without user, role and tenant strings") }
            assignments.append(Assignment(user: user, role: role, tenant: tenant))
        }
        return assignments
    }

    /// `snapshot` with these assignments added (tenants it does not know are created; roles
    /// it does not know are left out, as the server leaves them out of decisions).
    public func applied(to snapshot: PolicySnapshot) -> PolicySnapshot {
        snapshot.updatingFacts { facts in
            for assignment in assignments {
                guard let role = facts.policy.roleID(assignment.role) else { continue }
                let tenant = facts.tenantID(assignment.tenant) ?? facts.upsertTenant(key: assignment.tenant, name: assignment.tenant)
                facts.addUser(assignment.user)
                _ = facts.assign(user: assignment.user, role: role, tenant: tenant)
            }
        }
    }

    /// The distinct users, in order of first appearance.
    public var users: [String] {
        var seen = Set<String>()
        return assignments.map(\.user).filter { seen.insert($0).inserted }
    }
}

/// Hands the next whole response to the promise the fetcher expects it on.
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    struct Expect {
        let promise: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>
    }

    private var parser = HTTPResponseParser()
    private var waiting: EventLoopPromise<(HTTPResponseHead, ByteBuffer)>?

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let expect = event as? Expect { waiting = expect.promise } else { context.fireUserInboundEventTriggered(event) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        switch parser.feed(&buffer) {
        case .incomplete:
            break
        case .complete(let head, let body):
            waiting?.succeed((head, body))
            waiting = nil
        case .invalid(let reason):
            waiting?.fail(LoadError("unreadable answer: \(reason)"))
            waiting = nil
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiting?.fail(LoadError("the PDP closed the connection"))
        waiting = nil
        context.fireChannelInactive()
    }
}
