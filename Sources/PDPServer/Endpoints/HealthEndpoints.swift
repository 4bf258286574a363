// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPStore
import PDPWire

/// `/health`, `/healthy` and `/ready`: open to orchestrators without the API key.
///
/// `/healthy` (and `/health`) is the liveness probe: 200 while the process answers. `/ready`
/// answers 503 `{"status":"unavailable","reason":CODE}` while the server should get no
/// traffic, with one of these stable codes (the first that applies):
/// - `policy_not_loaded`: no policy is loaded yet;
/// - `facts_storage_unwritable`: the last facts write failed (fsync failed, disk full,
///   read-only); back to 200 once a write succeeds (a client's, or the writer's own retry
///   every few seconds);
/// - `policy_reload_failed`: with `strictReload`, the last policy reload failed; back to 200
///   once one succeeds.
///
/// Without the key an answer carries the status and reason code only. With the key (or when
/// the server has none) `/ready` adds counts, the storage problem and the last reload
/// failure, bounded: a few diagnostic lines and a small sample of dangling assignments,
/// never the user keys, roles and tenants of every fact or every diagnostic of a huge policy
/// to an anonymous caller.
enum HealthEndpoints {
    /// Most diagnostic lines of the last failed reload shown: the reload service keeps its
    /// first errors and an "and N more" line; this bound holds whatever it keeps.
    static let maxDiagnosticLines = PolicyReloadService.listedDiagnostics + 1
    /// Most bytes of one diagnostic line shown.
    static let maxDiagnosticLineBytes = 400
    /// Most dangling role assignments listed as a sample.
    static let maxDanglingSample = 10

    /// - Parameters:
    ///   - ready: `/ready` (a policy must be loaded) rather than `/health` (the process is up).
    ///   - authenticated: the request carried the API key (or the server needs none).
    static func health(
        ready: Bool, authenticated: Bool, _ context: EndpointContext, facts: FactsWriter? = nil, strictReload: Bool = false
    ) -> EndpointResponse {
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 512))
        writer.beginObject()
        writer.key("status")
        let storage = facts?.storageStatus
        let reason = ready ? unreadiness(context.readiness, storage: storage, tooStale: facts?.isTooStale ?? false, strictReload: strictReload) : nil
        writer.string(reason == nil ? "ok" : "unavailable")
        if let reason {
            writer.key("reason")
            writer.string(reason)
        }
        if ready, authenticated {
            details(context, facts: facts, storage: storage, into: &writer)
        }
        writer.endObject()
        return EndpointResponse(status: reason == nil ? .ok : .serviceUnavailable, body: writer.buffer)
    }

    /// Why the server is not ready, as a stable code; `nil` when it is.
    static func unreadiness(_ readiness: Readiness, storage: FactsWriter.StorageStatus?, tooStale: Bool, strictReload: Bool) -> String? {
        if !readiness.ready { return "policy_not_loaded" }
        if storage?.writeProblem != nil { return "facts_storage_unwritable" }
        // Past --max-staleness behind the shared facts store, stop taking traffic (decisions
        // would still be answered, from facts that old).
        if tooStale { return "facts_too_stale" }
        if strictReload, readiness.lastReloadError != nil { return "policy_reload_failed" }
        return nil
    }

    private static func details(
        _ context: EndpointContext, facts: FactsWriter?, storage: FactsWriter.StorageStatus?, into writer: inout JSONWriter
    ) {
        writer.key("policy")
        writer.beginObject()
        writer.key("roles")
        writer.int(context.snapshot.policy.roles.count)
        writer.key("users")
        writer.int(context.snapshot.facts.userCount)
        writer.key("last_reload_error")
        if let error = context.readiness.lastReloadError {
            let (shown, truncated) = capped(error)
            writer.string(shown)
            writer.key("last_reload_error_truncated")
            writer.bool(truncated)
        } else {
            writer.null()
        }
        writer.key("reloads")
        writer.int(context.readiness.reloads)
        writer.key("reload_failures")
        writer.int(context.readiness.reloadFailures)
        if let facts {
            writer.key("digest")
            writer.string(facts.policyDigest)
        }
        writer.endObject()
        guard let facts else { return }
        // The catalog's counts, or while a restart builds it the same counts from the files.
        let summary = facts.summary
        writer.key("facts")
        writer.beginObject()
        writer.key("storage")
        writer.string(facts.storageKind)
        // Checks are answered from every fact; the facts API waits until this is false.
        writer.key("loading")
        writer.bool(facts.isLoading)
        writer.key("write_problem")
        if let problem = storage?.writeProblem { writer.string(capped(problem).shown) } else { writer.null() }
        writer.key("journal_bytes")
        writer.int(storage?.journalBytes ?? 0)
        writer.key("position")
        writer.int(Int(clamping: summary.position))
        if let sync = facts.sync { shared(sync.reading, maxStaleness: facts.maxStaleness, into: &writer) }
        writer.key("users")
        writer.int(summary.users)
        writer.key("tenants")
        writer.int(summary.tenants)
        writer.key("role_assignments")
        writer.int(summary.assignments)
        // API assignments naming a role or tenant this policy lacks: kept, not in effect.
        writer.key("dangling_role_assignments")
        writer.int(summary.danglingCount)
        writer.key("dangling_sample")
        writer.beginArray()
        for key in summary.danglingSample.prefix(maxDanglingSample) {
            writer.beginObject()
            writer.assignmentMembers(key)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    /// How far this sidecar follows the shared store: `synced` (whether it has seen every
    /// committed change since it started), `staleness_seconds` (since it last had; `null`
    /// before), `connected`, `last_error`, `max_staleness_seconds`.
    private static func shared(_ reading: FactsSyncStatus.Reading, maxStaleness: Double?, into writer: inout JSONWriter) {
        writer.key("synced")
        writer.bool(reading.syncedAt != nil)
        writer.key("staleness_seconds")
        if let staleness = reading.staleness() { writer.double((staleness * 1000).rounded() / 1000) } else { writer.null() }
        writer.key("connected")
        writer.bool(reading.connected)
        writer.key("last_error")
        if let error = reading.lastError { writer.string(capped(error).shown) } else { writer.null() }
        writer.key("max_staleness_seconds")
        if let maxStaleness { writer.double(maxStaleness) } else { writer.null() }
    }

    /// The first ``maxDiagnosticLines`` lines of `text`, each cut at
    /// ``maxDiagnosticLineBytes`` bytes (on a character boundary), and whether anything was
    /// left out. Reads only what it shows: a failed reload of a huge policy once made this
    /// text 160 MB.
    static func capped(_ text: String) -> (shown: String, truncated: Bool) {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var lines: [String] = []
        var truncated = false
        while lines.count < maxDiagnosticLines, index < utf8.endIndex {
            let limit = utf8.index(index, offsetBy: maxDiagnosticLineBytes, limitedBy: utf8.endIndex) ?? utf8.endIndex
            if let newline = utf8[index..<limit].firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(String(decoding: utf8[index..<newline], as: UTF8.self))
                index = utf8.index(after: newline)
                continue
            }
            var end = limit
            // Back off to the start of a character rather than split one.
            while end > index, end < utf8.endIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
            lines.append(String(decoding: utf8[index..<end], as: UTF8.self) + (end < utf8.endIndex ? "…" : ""))
            if end < utf8.endIndex {
                truncated = true  // a long line: the rest of it and anything after is left out
                index = utf8.endIndex
            } else {
                index = end
            }
        }
        return (lines.joined(separator: "\n"), truncated || index < utf8.endIndex)
    }
}
