// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Synchronization

/// Admits connections within the connection limit, so that clients that never finish a
/// request cannot lock out the ones that do (slowloris).
///
/// A connection is *unproven* until it completes an authenticated request head (any complete
/// head when the server has no API key), *proven* afterwards. Unproven connections may hold
/// at most ``RequestLimits/unauthenticatedConnectionLimit`` slots: a new connection past
/// that, or past ``RequestLimits/maxConnections``, closes the oldest unproven connection to
/// take its slot; only when every slot is proven is a new connection refused. So a trickling
/// client keeps a slot only until newer connections push it out (and at most
/// ``RequestLimits/headerTimeoutSeconds``), and a real client's connection, once it has
/// sent one request, is never closed for a newcomer.
///
/// The lock is taken when a connection opens, when it is proven (once) and when it closes:
/// never per request.
final class ConnectionRegistry: Sendable {
    /// One admitted connection's handle.
    struct Ticket: Sendable, Equatable {
        let id: UInt64
    }

    enum Admission {
        case admitted(Ticket)
        /// Admitted in the place of `evicted`, which the caller must close.
        case admittedEvicting(Ticket, evicted: any Channel)
        case refused
    }

    private struct State {
        var nextID: UInt64 = 0
        /// Unproven connections by id; ids grow with age.
        var unproven: [UInt64: any Channel] = [:]
        /// Unproven ids, oldest first; ids no longer in `unproven` are skipped lazily.
        var order: [UInt64] = []
        var orderStart = 0
        var proven: [UInt64: any Channel] = [:]
        /// Waiting for the last connection to close (graceful shutdown).
        var emptyWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let maxConnections: Int
    private let maxUnproven: Int
    private let state = Mutex(State())

    init(limits: RequestLimits) {
        maxConnections = limits.maxConnections
        maxUnproven = limits.unauthenticatedConnectionLimit
    }

    /// Connections admitted and not yet closed (or evicted).
    var openCount: Int { state.withLock { $0.unproven.count + $0.proven.count } }
    /// Admitted connections that have not completed an authenticated request yet.
    var unprovenCount: Int { state.withLock { $0.unproven.count } }
    /// Entries kept to find the oldest unproven connection (tests: it must stay bounded).
    var orderCapacityInUse: Int { state.withLock { $0.order.count } }

    /// Admits `channel` as unproven, making room by evicting the oldest unproven connection
    /// when the limits are reached; refuses it when every slot is proven.
    func admit(_ channel: any Channel) -> Admission {
        state.withLock { state in
            var evicted: (any Channel)?
            if state.unproven.count + state.proven.count >= maxConnections || state.unproven.count >= maxUnproven {
                guard let oldest = Self.popOldest(&state) else { return .refused }
                evicted = oldest
            }
            let id = state.nextID
            state.nextID += 1
            state.unproven[id] = channel
            state.order.append(id)
            return evicted.map { .admittedEvicting(Ticket(id: id), evicted: $0) } ?? .admitted(Ticket(id: id))
        }
    }

    /// Marks the connection as having completed an authenticated request.
    func prove(_ ticket: Ticket) {
        state.withLock { state in
            if let channel = state.unproven.removeValue(forKey: ticket.id) { state.proven[ticket.id] = channel }
        }
    }

    /// Frees the connection's slot (no effect if it was evicted already).
    func closed(_ ticket: Ticket) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.unproven.removeValue(forKey: ticket.id) == nil { state.proven.removeValue(forKey: ticket.id) }
            Self.compact(&state)
            guard state.unproven.isEmpty, state.proven.isEmpty else { return [] }
            defer { state.emptyWaiters = [] }
            return state.emptyWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Every admitted connection that is still open.
    var openChannels: [any Channel] {
        state.withLock { Array($0.unproven.values) + Array($0.proven.values) }
    }

    /// Returns once no admitted connection is open (at once when none is).
    func waitUntilEmpty() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let empty = state.withLock { state -> Bool in
                if state.unproven.isEmpty, state.proven.isEmpty { return true }
                state.emptyWaiters.append(continuation)
                return false
            }
            if empty { continuation.resume() }
        }
    }

    private static func popOldest(_ state: inout State) -> (any Channel)? {
        while state.orderStart < state.order.count {
            let id = state.order[state.orderStart]
            state.orderStart += 1
            if let channel = state.unproven.removeValue(forKey: id) {
                compact(&state)
                return channel
            }
        }
        return nil
    }

    /// Drops the consumed front of `order` and ids that are no longer unproven, once they
    /// are most of it, so it stays proportional to the unproven connections.
    private static func compact(_ state: inout State) {
        let pending = state.order.count - state.orderStart
        let consumedMostly = state.orderStart > 64 && state.orderStart >= state.order.count / 2
        guard consumedMostly || pending > 2 * state.unproven.count + 64 else { return }
        let unproven = state.unproven
        state.order = state.order[state.orderStart...].filter { unproven[$0] != nil }
        state.orderStart = 0
    }
}

extension ConnectionRegistry {
    /// Admits a newly accepted `channel`: closes the connection evicted for it, and frees its
    /// slot when it closes. `nil` when it is refused (the caller closes it).
    func admitOrClose(_ channel: any Channel) -> Ticket? {
        let ticket: Ticket
        switch admit(channel) {
        case .refused:
            return nil
        case .admitted(let admitted):
            ticket = admitted
        case .admittedEvicting(let admitted, let evicted):
            ticket = admitted
            evicted.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in self.closed(ticket) }
        return ticket
    }
}
