// SPDX-License-Identifier: Apache-2.0
import Synchronization

/// Orders concurrent policy reloads so that the one started last decides the policy.
///
/// SIGHUP and the file watcher reload independently, and a compile can take seconds: left
/// alone, an older compile that finishes late would replace a newer one, and the server
/// would serve files that are no longer on disk. Each reload takes a ticket before it reads
/// the files (``ticket()``) and compiles in parallel with the others; then reloads take
/// turns, in arrival order, to apply their result (``applyInTurn(_:_:)``), and a reload whose
/// ticket is older than one already applied is dropped.
final class ReloadSequencer: Sendable {
    private struct State {
        var nextTicket = 0
        var lastApplied = -1
        var applying = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// A number larger than every ticket handed out before. Take it before reading the files.
    func ticket() -> Int {
        state.withLock { state in
            defer { state.nextTicket += 1 }
            return state.nextTicket
        }
    }

    /// Waits until no other reload is applying, then runs `apply` if `ticket` is newer than
    /// every ticket applied so far (it then counts as applied), and returns its result;
    /// returns `nil` without running it otherwise: a newer reload already decided.
    func applyInTurn<Outcome: Sendable>(_ ticket: Int, _ apply: () async -> Outcome) async -> Outcome? {
        await enter()
        defer { leave() }
        let isNewest = state.withLock { state in
            guard ticket > state.lastApplied else { return false }
            state.lastApplied = ticket
            return true
        }
        guard isNewest else { return nil }
        return await apply()
    }

    private func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let mayGo = state.withLock { state in
                if state.applying {
                    state.waiting.append(continuation)
                    return false
                }
                state.applying = true
                return true
            }
            if mayGo { continuation.resume() }
        }
    }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.applying = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
