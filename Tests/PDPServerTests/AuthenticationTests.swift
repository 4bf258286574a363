// SPDX-License-Identifier: Apache-2.0
@testable import PDPServer
import Testing

@Suite struct AuthenticationTests {
    static let body = #"{"user":"alice","action":"read","resource":"task"}"#

    @Test("a missing Authorization header is 401, a wrong key or scheme is 403, both as JSON")
    func rejections() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let missing = try client.roundTrip(.post("/allowed", Self.body, authorization: nil))
            #expect(missing.status == 401)
            #expect(missing.header("content-type") == "application/json")
            #expect(try missing.jsonObject()["code"] as? String == "missing_api_key")

            let rejected = [
                "Bearer wrong-key", "Bearer test-key-and-more", "Bearer test-ke", "Bearer ",
                "Basic dGVzdC1rZXk6", "test-key", "Token test-key", "Bearertest-key",
            ]
            for authorization in rejected {
                let response = try client.roundTrip(.post("/allowed", Self.body, authorization: authorization))
                #expect(response.status == 403, "\(authorization)")
                #expect(try response.jsonObject()["code"] as? String == "invalid_api_key")
            }
            // The early answers left the connection usable.
            #expect(try decision(Self.body, on: client) == true)
        }
    }

    @Test("the key comparison accepts exactly the configured key: every length, every differing byte")
    func keyComparison() {
        let key = Array("k3y-0123456789abcdefghijklmnopqrstuvwxyz".utf8)  // 40 bytes: words and a tail
        for length in 0...key.count {
            let prefix = Array(key[..<length])
            #expect(prefix.withUnsafeBytes { APIKeyAuthenticator.constantTimeEquals($0, prefix) })
            // A prefix of the key, and the key with one byte changed, are both refused.
            #expect(prefix.withUnsafeBytes { APIKeyAuthenticator.constantTimeEquals($0, key) } == (length == key.count))
            #expect(key.withUnsafeBytes { APIKeyAuthenticator.constantTimeEquals($0, prefix) } == (length == key.count))
            for position in 0..<length {
                var changed = prefix
                changed[position] ^= 0x01
                #expect(!changed.withUnsafeBytes { APIKeyAuthenticator.constantTimeEquals($0, prefix) }, "length \(length), byte \(position)")
            }
        }
    }

    @Test("the Bearer scheme is matched case-insensitively")
    func schemeCase() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            for authorization in ["Bearer test-key", "bearer test-key", "BEARER test-key", "bEaReR   test-key  "] {
                let response = try client.roundTrip(.post("/allowed", Self.body, authorization: authorization))
                #expect(response.status == 200, "\(authorization)")
                #expect(response.bodyText == #"{"allow":true,"result":true}"#)
            }
        }
    }

    @Test("every endpoint but the health probes requires the key")
    func everyEndpointIsProtected() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let requests: [HTTPRequest] = [
                .post("/allowed/bulk", "[]", authorization: nil),
                .post("/allowed/all-tenants", Self.body, authorization: nil),
                .post("/user-permissions", #"{"user":"bob"}"#, authorization: nil),
                .post("/authorized_users", #"{"action":"read","resource":"task"}"#, authorization: nil),
                .post("/user-tenants", #"{"user":"bob"}"#, authorization: nil),
                .get("/local/role_assignments", authorization: nil),
            ]
            for request in requests {
                #expect(try client.roundTrip(request).status == 401)
            }
            for path in ["/health", "/healthy", "/ready"] {
                #expect(try client.roundTrip(.get(path, authorization: nil)).status == 200)
            }
        }
    }

    @Test("a server without an API key accepts any or no Authorization header")
    func noKeyConfigured() async throws {
        try await withTestServer(apiKey: nil) { server in
            let client = try server.connect()
            for authorization in [nil, "Bearer anything", "Basic Zm9vOmJhcg=="] {
                let response = try client.roundTrip(.post("/allowed", Self.body, authorization: authorization))
                #expect(response.status == 200)
                #expect(response.bodyText == #"{"allow":true,"result":true}"#)
            }
        }
    }

    @Test("configurations exposing an unauthenticated PDP or an empty key are refused")
    func configurationValidation() throws {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "0.0.0.0", apiKey: nil).listenAddress() }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "::", apiKey: nil).listenAddress() }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(host: "127.0.0.1", apiKey: "").validate() }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration(port: 70_000).validate() }
        _ = try ServerConfiguration(host: "0.0.0.0", apiKey: "secret").listenAddress()
        _ = try ServerConfiguration(host: "127.0.0.1", apiKey: nil).listenAddress()
        _ = try ServerConfiguration(host: "::1", apiKey: nil).listenAddress()
    }
}
