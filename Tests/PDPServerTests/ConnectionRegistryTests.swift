// SPDX-License-Identifier: Apache-2.0
import NIOCore
import NIOEmbedded
@testable import PDPServer
import Testing

/// ``ConnectionRegistry``'s admission rules on their own, without sockets.
@Suite struct ConnectionRegistryTests {
    static func registry(max: Int, unproven: Int?) -> ConnectionRegistry {
        var limits = RequestLimits()
        limits.maxConnections = max
        limits.maxUnauthenticatedConnections = unproven
        return ConnectionRegistry(limits: limits)
    }

    func ticketOf(_ admission: ConnectionRegistry.Admission) -> ConnectionRegistry.Ticket? {
        switch admission {
        case .admitted(let ticket), .admittedEvicting(let ticket, _): ticket
        case .refused: nil
        }
    }

    func evicted(_ admission: ConnectionRegistry.Admission) -> ObjectIdentifier? {
        if case .admittedEvicting(_, let channel) = admission { return ObjectIdentifier(channel as AnyObject) }
        return nil
    }

    @Test("unproven connections are evicted oldest first; proven ones never; all proven refuses")
    func evictionOrder() throws {
        let registry = Self.registry(max: 3, unproven: 2)
        let channels = (0..<6).map { _ in EmbeddedChannel() }
        let a = try #require(ticketOf(registry.admit(channels[0])))
        _ = try #require(ticketOf(registry.admit(channels[1])))
        // A third unproven connection passes the share: the oldest unproven goes.
        let third = registry.admit(channels[2])
        #expect(evicted(third) == ObjectIdentifier(channels[0]))
        registry.closed(a)  // its close arrives later: no double count
        #expect(registry.openCount == 2)
        registry.prove(try #require(ticketOf(third)))
        let fourth = registry.admit(channels[3])
        #expect(evicted(fourth) == nil, "below both limits")
        registry.prove(try #require(ticketOf(fourth)))
        // At the connection limit: the oldest unproven connection goes, not a proven one.
        let fifth = registry.admit(channels[4])
        #expect(evicted(fifth) == ObjectIdentifier(channels[1]))
        registry.prove(try #require(ticketOf(fifth)))
        #expect(registry.openCount == 3 && registry.unprovenCount == 0)
        guard case .refused = registry.admit(channels[5]) else {
            Issue.record("every slot is proven: a newcomer is refused")
            return
        }
    }

    @Test("100,000 connections through a small limit keep the counts exact")
    func churn() throws {
        let registry = Self.registry(max: 50, unproven: 10)
        var open: [ConnectionRegistry.Ticket] = []
        let channel = EmbeddedChannel()
        for index in 0..<100_000 {
            let admission = registry.admit(channel)
            let ticket = try #require(ticketOf(admission))
            if index % 3 == 0 { registry.prove(ticket) }
            open.append(ticket)
            if index % 5 == 0, !open.isEmpty { registry.closed(open.removeFirst()) }
            #expect(registry.unprovenCount <= 10)
            #expect(registry.openCount <= 50)
            #expect(registry.orderCapacityInUse <= 2 * 10 + 64 + 64, "the oldest-first list is compacted")
            if registry.openCount == 50, registry.unprovenCount == 0 {
                for ticket in open { registry.closed(ticket) }
                open.removeAll()
            }
        }
        for ticket in open { registry.closed(ticket) }
        #expect(registry.openCount == 0)
    }
}
