// SPDX-License-Identifier: Apache-2.0
import Foundation
import NIOHTTP1
import Testing

@testable import PDPServer

@Suite struct OpenAPIDocumentTests {
    /// `<repo>/docs/openapi.json`, found from this file's path.
    static var documentPath: String {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        components.removeLast(3)  // …/Tests/PDPServerTests/OpenAPIDocumentTests.swift → …
        return (components + ["docs", "openapi.json"]).joined(separator: "/")
    }

    static func document() throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(object as? [String: Any])
    }

    static let methods = ["get", "head", "post", "put", "patch", "delete", "options", "trace"]

    @Test("the embedded document is docs/openapi.json byte for byte (else run scripts/embed-openapi.py)")
    func embeddedMatchesFile() throws {
        let file = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        #expect(file == OpenAPIDocument.json, "docs/openapi.json changed: run scripts/embed-openapi.py")
        #expect(try Self.document()["openapi"] as? String == "3.1.0")
    }

    @Test("every documented operation reaches an endpoint with that method, and REST paths document exactly their methods")
    func documentedOperationsAreRouted() throws {
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        // A template's parameters filled in with plain keys.
        func concrete(_ template: String) -> String {
            template.replacingOccurrences(of: #"\{[a-z_]+\}"#, with: "k", options: .regularExpression)
        }
        for (template, item) in paths {
            let path = concrete(template)
            let documented = Set(item.keys.filter { Self.methods.contains($0) }.map { $0.uppercased() })
            #expect(!documented.isEmpty, "\(template)")
            for method in documented {
                let (route, _) = Route.match(HTTPMethod(rawValue: method), path)
                switch route {
                case .notFound, .methodNotAllowed, .invalidPath:
                    Issue.record("\(method) \(template) is documented but routes to \(route)")
                case .rest(let rest):
                    // The facts API answers HEAD wherever it answers GET, and `Allow` lists the
                    // rest: the document lists exactly those.
                    let allowed = Set(rest.allowedMethods.map(\.rawValue))
                    #expect(documented.subtracting(["HEAD"]) == allowed, "\(template): documented \(documented.sorted()), served \(allowed.sorted())")
                default:
                    break
                }
            }
        }
        // Every route documented: the fixed ones, and each facts route under both prefixes.
        let facts = [
            "users", "users/k", "users/k/roles", "role_assignments", "role_assignments/bulk", "tenants", "tenants/k",
            "tenants/k/users", "tenants/k/users/k", "bulk/users", "bulk/tenants",
        ]
        let expected = [
            "/allowed", "/allowed/bulk", "/allowed/all-tenants", "/user-permissions", "/authorized_users", "/user-tenants",
            "/local/role_assignments", "/health", "/healthy", "/ready", "/openapi.json", "/metrics", "/v2/api-key/scope",
            "/v2/schema/k/k/roles", "/v2/schema/k/k/roles/k", "/v2/schema/k/k/resources", "/v2/schema/k/k/resources/k",
        ] + facts.map { "/facts/\($0)" } + facts.map { "/v2/facts/k/k/\($0)" }
        let documentedPaths = Set(paths.keys.map(concrete))
        for path in expected {
            #expect(documentedPaths.contains(path), "\(path) is not documented")
        }
        #expect(documentedPaths.count == expected.count, "documented: \(documentedPaths.subtracting(expected).sorted())")
    }

    @Test("GET /openapi.json serves the document behind the API key; HEAD gives its length; other methods are 405")
    func served() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let response = try client.roundTrip(.get("/openapi.json"))
            #expect(response.status == 200)
            #expect(response.header("content-type") == "application/json")
            #expect(response.bodyText == OpenAPIDocument.json)

            try client.send(HTTPRequest.make("HEAD", "/openapi.json").bytes)
            let head = try client.readResponse(isHEAD: true)
            #expect(head.status == 200)
            #expect(head.header("content-length") == String(OpenAPIDocument.json.utf8.count))
            #expect(head.body.isEmpty)

            #expect(try client.roundTrip(.get("/openapi.json", authorization: nil)).status == 401)
            #expect(try client.roundTrip(.get("/openapi.json", authorization: "Bearer wrong")).status == 403)
            let post = try client.roundTrip(.post("/openapi.json", "{}"))
            #expect(post.status == 405)
            #expect(post.header("allow") == "GET, HEAD")
            // The connection is still usable after all of those.
            #expect(try client.roundTrip(.check("alice", "read", "task")).status == 200)
        }
    }
}
