// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPFacts
import PDPPolicyYAML
import PDPStore
import Testing

/// A small policy with YAML users, and helpers to drive a ``FactsEngine`` in memory.
enum FactsFixtures {
    static let policyYAML = """
        version: 1
        resources:
          task:
            actions: [read, write]
        roles:
          viewer:
            permissions: [task:read]
          editor:
            permissions: [task:read, task:write]
          admin:
            extends: [editor]
            permissions: []
        tenants:
          acme:
            name: Acme
        users:
          yaml-alice:
            roles: [admin]
          yaml-bob:
            roles:
              default: [viewer]
              acme: [editor]
        """

    struct PolicyError: Error, CustomStringConvertible {
        var description: String
    }

    static func snapshot(_ yaml: String = policyYAML) throws -> PolicySnapshot {
        let (document, diagnostics) = PolicyLoader.load(yaml: yaml, file: "policy.yaml")
        guard !diagnostics.hasErrors else { throw PolicyError(description: "\(diagnostics.items)") }
        return try PolicyCompiler.compile(document)
    }

    static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    static func engine(_ storage: FactsStore = FactsStore()) throws -> FactsEngine {
        FactsEngine(base: try snapshot(), storage: storage, now: time)
    }

    /// Runs one write and returns its result.
    @discardableResult
    static func write(_ engine: FactsEngine, _ write: FactsWrite) -> Result<FactsReply, FactsError> {
        engine.commit([write], now: time).results[0]
    }

    static func assignment(_ user: String, _ role: String, _ tenant: String = "default") -> AssignmentKey {
        AssignmentKey(user: user, role: role, tenant: tenant)
    }
}
