// SPDX-License-Identifier: Apache-2.0
import NIOCore
import PDPCore
import PDPWire

/// `/allowed`, `/allowed/bulk` and `/allowed/all-tenants`.
///
/// The hot path: the body is read in place by ``CheckRequestReader`` (no JSON tree, no
/// strings), decided against the snapshot loaded once for the request, and answered from
/// pre-encoded parts. Nothing here allocates except the response buffer (and, when the
/// decision log is on and samples a decision, its line).
enum DecisionEndpoints {
    static func allowed(_ body: ByteBuffer, _ context: EndpointContext) throws(WireError) -> EndpointResponse {
        let published = context.published
        var out = context.responseBuffer(capacity: context.debug ? 512 : 32)
        let allow: Bool
        if context.debug {
            let explanation = try CheckRequestReader.read(body, scratch: context.scratch, limits: context.jsonLimits) { fields in
                published.snapshot.explain(accessRequest(fields))
            }
            if let logs = context.logs, logs.sampleDecision() { logs.decision(explanation) }
            DebugWriter.writeAllowed(explanation, into: &out)
            allow = explanation.outcome.isAllowed
        } else {
            let outcome = try CheckRequestReader.read(body, scratch: context.scratch, limits: context.jsonLimits) { fields in
                let outcome = decide(published.snapshot, fields)
                if let logs = context.logs, logs.sampleDecision() { logs.decision(published.snapshot.explain(accessRequest(fields))) }
                return outcome
            }
            AllowedResponseWriter.write(allow: outcome.isAllowed, into: &out)
            allow = outcome.isAllowed
        }
        var response = EndpointResponse.ok(out)
        if allow { response.allowedDecisions = 1 } else { response.deniedDecisions = 1 }
        return response
    }

    /// `helper`: the helper asked for this body when its head arrived, if any.
    static func bulk(_ body: ByteBuffer, _ context: EndpointContext, helper: ParallelBulk.Helper? = nil) throws(WireError) -> EndpointResponse {
        let published = context.published
        // ~30 bytes per answer; sized from the body so large batches do not regrow.
        var out = context.responseBuffer(capacity: 16 + body.readableBytes / 4)
        let logs = context.logs
        if context.debug {
            var explanations: [Explanation] = []
            try CheckRequestReader.readBulk(body, scratch: context.scratch, limits: context.jsonLimits, maxItems: context.limits.maxBulkChecks) { _, fields in
                explanations.append(published.snapshot.explain(accessRequest(fields)))
            }
            for explanation in explanations where logs?.sampleDecision() == true { logs?.decision(explanation) }
            DebugWriter.writeBulk(explanations, into: &out)
            var response = EndpointResponse.ok(out)
            let allowed = explanations.count { $0.outcome.isAllowed }
            response.allowedDecisions = UInt32(clamping: allowed)
            response.deniedDecisions = UInt32(clamping: explanations.count - allowed)
            return response
        }
        // A large batch is read and decided on every core (the decision log samples per
        // loop and is not shared across threads, so it keeps a batch on its loop).
        let slices = ParallelBulk.sliceCount(byteCount: body.readableBytes, cores: ParallelBulk.cores)
        if slices > 1, logs == nil, let counts = ParallelBulk.answer(body, context, slices: slices, helper: helper, into: &out) {
            var response = EndpointResponse.ok(out)
            response.allowedDecisions = counts.allowed
            response.deniedDecisions = counts.denied
            return response
        }
        var writer = BulkAllowedResponseWriter()
        writer.begin(into: &out)
        var allowed: UInt32 = 0
        var denied: UInt32 = 0
        try CheckRequestReader.readBulk(body, scratch: context.scratch, limits: context.jsonLimits, maxItems: context.limits.maxBulkChecks) { _, fields in
            let allow = decide(published.snapshot, fields).isAllowed
            if allow { allowed &+= 1 } else { denied &+= 1 }
            if let logs, logs.sampleDecision() { logs.decision(published.snapshot.explain(accessRequest(fields))) }
            writer.append(allow: allow, into: &out)
        }
        writer.end(into: &out)
        var response = EndpointResponse.ok(out)
        response.allowedDecisions = allowed
        response.deniedDecisions = denied
        return response
    }

    static func allTenants(_ body: ByteBuffer, _ context: EndpointContext) throws(WireError) -> EndpointResponse {
        let request = try CheckRequestReader.read(body, scratch: context.scratch, limits: context.jsonLimits) { fields in
            accessRequest(fields)
        }
        let tenants = context.snapshot.allowedTenants(user: request.user, action: request.action, resourceType: request.resourceType)
        var writer = JSONWriter(buffer: context.responseBuffer(capacity: 64 + 80 * tenants.count))
        writer.beginObject()
        writer.key("allowed_tenants")
        writer.beginArray()
        for tenant in tenants {
            writer.beginObject()
            writer.key("allow")
            writer.bool(true)
            writer.key("result")
            writer.bool(true)
            writer.key("tenant")
            TenantJSON.write(tenant, into: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return .ok(writer.buffer)
    }

    @inline(__always)
    static func decide(_ snapshot: PolicySnapshot, _ fields: borrowing CheckFields) -> DecisionOutcome {
        snapshot.decide(
            user: fields.userKey.bytes, action: fields.action.bytes,
            resourceType: fields.resourceType.bytes, tenant: fields.tenant?.bytes)
    }

    static func accessRequest(_ fields: borrowing CheckFields) -> AccessRequest {
        AccessRequest(
            user: fields.userKey.string, action: fields.action.string, resourceType: fields.resourceType.string,
            resourceKey: fields.resourceKey?.string, tenant: fields.tenant?.string)
    }
}
