// SPDX-License-Identifier: Apache-2.0
import NIOCore

/// The verification of one 200 answer against the decisions expected for its request.
struct AnswerCheck {
    var allowed = 0
    var denied = 0
    var mismatches = 0
    var samples: [MismatchSample] = []

    init() {}

    /// Reads `body` and compares it with `request.expected`; does nothing for an unverified run.
    init(request: PreparedRequest, body: ByteBuffer, plan: RunPlan) {
        guard let expected = request.expected else { return }
        let bulk = plan.configuration.endpoint == .bulk
        let wantSamples = plan.configuration.mismatchSamples > 0
        switch AnswerReader.decisions(in: body, bulk: bulk, expectedCount: expected.count) {
        case .success(let decisions):
            for (position, decision) in decisions.enumerated() {
                if decision { allowed += 1 } else { denied += 1 }
                guard decision != expected[position] else { continue }
                mismatches += 1
                if wantSamples && samples.count < plan.configuration.mismatchSamples {
                    samples.append(sample(plan: plan, check: request.checkIndices[position], got: decision ? "allow" : "deny"))
                }
            }
        case .failure(let error):
            mismatches += expected.count
            if wantSamples, let first = request.checkIndices.first {
                samples.append(sample(plan: plan, check: first, got: error.reason))
            }
        }
    }

    private func sample(plan: RunPlan, check index: Int, got: String) -> MismatchSample {
        let check = plan.checks[index]
        let expected = check.expected.map { $0.isAllowed ? "allow" : "deny (\($0.code))" } ?? "unknown"
        return MismatchSample(request: check.body, expected: expected, got: got)
    }
}
