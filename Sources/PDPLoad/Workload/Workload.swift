// SPDX-License-Identifier: Apache-2.0
import PDPCore

/// One check of a workload: the body sent for it and, when known, the decision it should get.
public struct WorkloadCheck: Sendable, Hashable {
    /// The check as the PDP should read it; `nil` for a replayed line the harness could not
    /// interpret (such a workload cannot be verified).
    public var request: AccessRequest?
    /// The JSON body of one `/allowed` request (also an element of a bulk request).
    public var body: String
    /// The decision computed in-process from the policy, when the workload has been checked
    /// against one (``Workload/expecting(_:)``).
    public var expected: DecisionOutcome?

    public init(request: AccessRequest?, body: String, expected: DecisionOutcome? = nil) {
        self.request = request
        self.body = body
        self.expected = expected
    }
}

/// The checks a load run cycles through, in order.
public struct Workload: Sendable {
    public var checks: [WorkloadCheck]

    public init(checks: [WorkloadCheck]) {
        self.checks = checks
    }

    /// The workload with every check's expected decision computed from `snapshot`.
    /// - Throws: when a check could not be interpreted, so it cannot be verified.
    public func expecting(_ snapshot: PolicySnapshot) throws(LoadError) -> Workload {
        var copy = self
        for index in copy.checks.indices {
            guard let request = copy.checks[index].request else {
                throw LoadError("Check \(index + 1) has no user key, action or resource type; it cannot be verified.")
            }
            copy.checks[index].expected = snapshot.decide(request)
        }
        return copy
    }

    /// `true` when every check has an expected decision.
    public var isVerifiable: Bool { !checks.isEmpty && checks.allSatisfy { $0.expected != nil } }

    /// How the expected decisions are distributed.
    public var mix: WorkloadMix {
        var mix = WorkloadMix()
        for check in checks {
            guard let outcome = check.expected else {
                mix.unknown += 1
                continue
            }
            if outcome.isAllowed { mix.allowed += 1 } else { mix.denied += 1 }
            mix.outcomes[outcome.code, default: 0] += 1
        }
        return mix
    }
}

/// Allowed and denied checks in a workload, with deny reasons.
public struct WorkloadMix: Sendable, Codable, Equatable {
    public var allowed = 0
    public var denied = 0
    /// Checks without an expected decision.
    public var unknown = 0
    /// Count per ``DecisionOutcome/code``.
    public var outcomes: [String: Int] = [:]

    public init() {}

    /// Allowed checks as a fraction of those with a known decision.
    public var allowedFraction: Double {
        allowed + denied == 0 ? 0 : Double(allowed) / Double(allowed + denied)
    }
}
