// SPDX-License-Identifier: Apache-2.0
import Testing

/// Sends `/allowed` bodies and returns the decision, asserting the exact wire answer:
/// 200, `application/json`, and a body of exactly `{"allow":b,"result":b}`.
func decision(_ body: String, on client: RawHTTPClient, sourceLocation: SourceLocation = #_sourceLocation) throws -> Bool? {
    let response = try client.roundTrip(.post("/allowed", body))
    #expect(response.status == 200, "\(response.status) \(response.bodyText) for \(body)", sourceLocation: sourceLocation)
    #expect(response.header("content-type") == "application/json", sourceLocation: sourceLocation)
    switch response.bodyText {
    case #"{"allow":true,"result":true}"#: return true
    case #"{"allow":false,"result":false}"#: return false
    default:
        Issue.record("unexpected body \(response.bodyText) for \(body)", sourceLocation: sourceLocation)
        return nil
    }
}

@Suite struct AllowedEndpointTests {
    @Test("/allowed allows and denies per role, tenant and policy, always with status 200")
    func decisionsFollowThePolicy() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let cases: [(user: String, action: String, type: String, tenant: String?, allow: Bool)] = [
                ("alice", "read", "task", nil, true),  // admin inherits viewer
                ("alice", "deleteany", "task", "default", true),
                ("alice", "assign_role", "user", nil, true),  // user:*
                ("alice", "read", "task", "acme", false),  // no role in acme
                ("bob", "read", "task", nil, true),
                ("bob", "readall", "task", "default", false),  // viewer only in default
                ("bob", "readall", "task", "acme", true),  // admin in acme
                ("bob", "read", "analytics", "acme", true),
                ("bob", "read", "analytics", "default", false),
                ("dave", "read", "task", nil, false),  // `roles: []`
                ("zed", "read", "task", nil, false),  // unknown user
                ("alice", "fly", "task", nil, false),  // unknown action
                ("alice", "read", "spaceship", nil, false),  // unknown resource type
                ("alice", "read", "task", "nowhere", false),  // unknown tenant
            ]
            for item in cases {
                let tenant = item.tenant.map { #","tenant":"\#($0)""# } ?? ""
                let body = #"{"user":{"key":"\#(item.user)"},"action":"\#(item.action)","resource":{"type":"\#(item.type)"\#(tenant)},"context":{}}"#
                #expect(try decision(body, on: client) == item.allow, "\(item)")
            }
        }
    }

    @Test("/allowed accepts every SDK shape: strings, ids, Go roles, camelCase, nulls, unknown fields")
    func lenientInput() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let allowedBodies = [
                // Python: a "task:1" resource normalised to type/key, resource.context.tenant present.
                #"{"user":{"key":"alice"},"action":"read","resource":{"type":"task","key":"1","tenant":"default","context":{"tenant":"default"}},"context":{}}"#,
                // A plain string resource and a plain string user.
                #"{"user":"alice","action":"read","resource":"task:1"}"#,
                // `resource.id` as the key (Go FilterObjects).
                #"{"user":{"key":"bob"},"action":"update","resource":{"type":"task","id":"42","tenant":"acme"}}"#,
                // Go's user.roles with capitalised members; Node's firstName/lastName.
                #"{"user":{"key":"alice","firstName":"Alice","lastName":"L","roles":[{"Role":"admin","Tenant":"default"}]},"action":"read","resource":{"type":"task"}}"#,
                #"{"user":{"key":"alice","first_name":"Alice","last_name":"L","email":"a@x","attributes":{"d":"eng"},"roles":[{"role":"admin","tenant":"default"}]},"action":"update","resource":{"type":"task","key":"42","tenant":"default","attributes":{"owner":"alice"},"context":{"foo":"bar"}},"context":{"ip":"10.0.0.1"}}"#,
                // nulls for every optional field.
                #"{"user":{"key":"alice","email":null,"attributes":null,"first_name":null,"last_name":null,"roles":null},"action":"read","resource":{"type":"task","key":null,"tenant":null,"attributes":null,"context":null},"context":null}"#,
                // unknown fields at every level, `sdk`, and no context at all.
                #"{"user":{"key":"alice","shoe_size":44},"action":"read","resource":{"type":"task","colour":[1,{"a":null}]},"sdk":"go","extra":{"x":[true,false]}}"#,
                // resource.context.tenant is the fallback when resource.tenant is missing or null.
                #"{"user":{"key":"bob"},"action":"readall","resource":{"type":"task","context":{"tenant":"acme"}}}"#,
                #"{"user":{"key":"bob"},"action":"readall","resource":{"type":"task","tenant":null,"context":{"tenant":"acme"}}}"#,
            ]
            for body in allowedBodies {
                #expect(try decision(body, on: client) == true, "\(body)")
            }
            let deniedBodies = [
                // resource.tenant wins over resource.context.tenant.
                #"{"user":{"key":"bob"},"action":"readall","resource":{"type":"task","tenant":"default","context":{"tenant":"acme"}}}"#,
                // Roles sent by the client grant nothing: the PDP's facts decide.
                #"{"user":{"key":"dave","roles":[{"role":"admin","tenant":"default"}]},"action":"read","resource":"task"}"#,
                // A string resource with a key, in a tenant where alice has no role.
                #"{"user":"alice","action":"read","resource":{"type":"task","key":"1","tenant":"acme"}}"#,
            ]
            for body in deniedBodies {
                #expect(try decision(body, on: client) == false, "\(body)")
            }
        }
    }

    @Test("?debug=true adds a debug object with code and reason; without it the body stays minimal")
    func debugObject() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let allowed = try client.roundTrip(.post("/allowed?debug=true", #"{"user":"alice","action":"read","resource":"task"}"#))
            #expect(allowed.status == 200)
            let allowedJSON = try allowed.jsonObject()
            #expect(allowedJSON["allow"] as? Bool == true)
            #expect(allowedJSON["result"] as? Bool == true)
            let allowedDebug = try #require(allowedJSON["debug"] as? [String: Any])
            #expect(allowedDebug["code"] as? String == "allowed")
            #expect((allowedDebug["reason"] as? String)?.isEmpty == false)

            let cases = [
                ("zed", "task", "unknown_user"),
                ("dave", "task", "no_role_in_tenant"),
                ("bob", "analytics", "no_role_grants_permission"),
                ("alice", "spaceship", "unknown_resource_type"),
            ]
            for (user, type, code) in cases {
                let response = try client.roundTrip(.post("/allowed?debug=true", #"{"user":"\#(user)","action":"read","resource":"\#(type)"}"#))
                #expect(response.status == 200)
                let json = try response.jsonObject()
                #expect(json["allow"] as? Bool == false)
                let debug = try #require(json["debug"] as? [String: Any])
                #expect(debug["code"] as? String == code, "\(user) \(type)")
                #expect((debug["reason"] as? String)?.isEmpty == false)
            }
            let plain = try client.roundTrip(.post("/allowed?debug=false", #"{"user":"alice","action":"read","resource":"task"}"#))
            #expect(plain.bodyText == #"{"allow":true,"result":true}"#)
        }
    }
}
