// SPDX-License-Identifier: Apache-2.0
import NIOConcurrencyHelpers
import Vapor

/// Counts failed logins per account (e-mail) and per client address in a sliding window;
/// past the limit further attempts are refused with 429 before the password is checked.
/// In memory: one process's view (a restart forgets), which is what one app instance needs.
final class LoginRateLimiter: Sendable {
    private struct State {
        var failures: [String: [Date]] = [:]
    }

    private let state = NIOLockedValueBox(State())
    let perAccount: Int
    let perClient: Int
    let window: TimeInterval

    init(perAccount: Int, perClient: Int, windowSeconds: Int) {
        self.perAccount = perAccount
        self.perClient = perClient
        self.window = TimeInterval(windowSeconds)
    }

    /// Seconds until another attempt is allowed, or `nil` when one is allowed now.
    func retryAfter(account: String, client: String, now: Date = Date()) -> Int? {
        state.withLockedValue { state in
            let limits = [("account:" + account, perAccount), ("client:" + client, perClient)]
            var wait: TimeInterval = 0
            for (key, limit) in limits {
                let recent = (state.failures[key] ?? []).filter { now.timeIntervalSince($0) < window }
                state.failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first {
                    wait = max(wait, window - now.timeIntervalSince(oldest))
                }
            }
            return wait > 0 ? Int(wait.rounded(.up)) : nil
        }
    }

    func recordFailure(account: String, client: String, now: Date = Date()) {
        state.withLockedValue { state in
            state.failures["account:" + account, default: []].append(now)
            state.failures["client:" + client, default: []].append(now)
            // Bound memory under a flood of distinct e-mails: drop the stalest keys.
            if state.failures.count > 50_000 {
                state.failures = state.failures.filter { now.timeIntervalSince($0.value.last ?? now) < window }
            }
        }
    }

    func recordSuccess(account: String) {
        state.withLockedValue { _ = $0.failures.removeValue(forKey: "account:" + account) }
    }
}
