// SPDX-License-Identifier: Apache-2.0
import PDPCore
import PDPWire

/// Reads a workload from JSON lines: one `/allowed` body per line, sent as written.
public enum ReplayWorkload {
    /// Parses `text` (blank lines are skipped). Each line must be a JSON object; its user key,
    /// action, resource type and key, and tenant are read leniently, as the PDP reads them
    /// (`resource` may be a `"type:key"` string; the tenant is `resource.tenant`, else
    /// `resource.context.tenant`, else the default tenant).
    public static func parse(_ text: String, source: String = "replay") throws(LoadError) -> Workload {
        var checks: [WorkloadCheck] = []
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let body = line.trimmingSuffix(while: { $0 == "\r" || $0 == " " || $0 == "\t" })
            if body.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let value: JSONValue
            do {
                value = try JSONValue.parse(String(body))
            } catch {
                throw LoadError("\(source):\(lineNumber): \(error.reason)")
            }
            guard value.objectMembers != nil else { throw LoadError("\(source):\(lineNumber): expected a JSON object.") }
            checks.append(WorkloadCheck(request: request(from: value), body: String(body)))
        }
        if checks.isEmpty { throw LoadError("\(source): no requests.") }
        return Workload(checks: checks)
    }

    /// The check a body asks for, or `nil` when it lacks a user key, action or resource type.
    static func request(from value: JSONValue) -> AccessRequest? {
        let user = value["user"]?["key"]?.stringValue ?? value["user"]?.stringValue
        guard let user, let action = value["action"]?.stringValue, let resource = value["resource"] else { return nil }
        if let text = resource.stringValue {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let type = parts.first, !type.isEmpty else { return nil }
            return AccessRequest(
                user: user, action: action, resourceType: String(type), resourceKey: parts.count == 2 ? String(parts[1]) : nil)
        }
        guard let type = resource["type"]?.stringValue else { return nil }
        let key = resource["key"]?.stringValue ?? resource["id"]?.stringValue
        let tenant = resource["tenant"]?.stringValue ?? resource["context"]?["tenant"]?.stringValue
        return AccessRequest(user: user, action: action, resourceType: type, resourceKey: key, tenant: tenant)
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
