// SPDX-License-Identifier: Apache-2.0
import Foundation
import Testing

/// Issue #11 item 14: keys are compared by their bytes everywhere, so a key spelled in NFC
/// and in NFD is two users, for the REST API and for decisions alike.
@Suite struct KeyBytesTests {
    static let nfc = "caf\u{E9}"  // 63 61 66 C3 A9
    static let nfd = "cafe\u{301}"  // 63 61 66 65 CC 81

    static func percentEncoded(_ key: String) -> String {
        key.utf8.map { byte in
            byte < 0x80 && byte != UInt8(ascii: "%") ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
    }

    static func keyBytes(_ response: HTTPResponse) throws -> [UInt8]? {
        (try response.jsonObject()["key"] as? String).map { Array($0.utf8) }
    }

    @Test("\"café\" in NFC and in NFD are two users to the REST API and to decisions")
    func nfcAndNFDAreTwoUsers() async throws {
        try await withTestServer { server in
            let client = try server.connect()
            let first = try client.roundTrip(.post("/facts/users", #"{"key":"\#(Self.nfc)","first_name":"Composed"}"#))
            #expect(first.status == 201, "\(first.bodyText)")
            // Before: Swift's String == made this "the existing user" (200), and decisions
            // still knew no such user.
            let second = try client.roundTrip(.post("/facts/users", #"{"key":"\#(Self.nfd)","first_name":"Decomposed"}"#))
            #expect(second.status == 201, "\(second.bodyText)")
            #expect(try Self.keyBytes(second) == Array(Self.nfd.utf8))
            let assigned = try client.roundTrip(.post("/facts/users/\(Self.percentEncoded(Self.nfc))/roles", #"{"role":"admin"}"#))
            #expect(assigned.status == 201, "\(assigned.bodyText)")

            let composed = try client.roundTrip(.get("/facts/users/\(Self.percentEncoded(Self.nfc))"))
            #expect(try Self.keyBytes(composed) == Array(Self.nfc.utf8))
            #expect(try composed.jsonObject()["first_name"] as? String == "Composed")
            #expect((try composed.jsonObject()["roles"] as? [Any])?.count == 1)
            let decomposed = try client.roundTrip(.get("/facts/users/\(Self.percentEncoded(Self.nfd))"))
            #expect(try Self.keyBytes(decomposed) == Array(Self.nfd.utf8))
            #expect(try decomposed.jsonObject()["first_name"] as? String == "Decomposed")
            #expect((try decomposed.jsonObject()["roles"] as? [Any])?.isEmpty == true)

            let listed = try client.roundTrip(.get("/facts/users?per_page=100")).jsonObject()
            let keys = (listed["data"] as? [[String: Any]] ?? []).compactMap { ($0["key"] as? String).map { Array($0.utf8) } }
            #expect(keys.filter { $0 == Array(Self.nfc.utf8) || $0 == Array(Self.nfd.utf8) }.count == 2)
            let assignments = try client.roundTrip(.get("/facts/role_assignments?user=\(Self.percentEncoded(Self.nfd))")).jsonArray()
            #expect(assignments.isEmpty)

            // Decisions agree: only the NFC user holds admin.
            #expect(try client.roundTrip(.check(Self.nfc, "readall", "task")).jsonObject()["allow"] as? Bool == true)
            #expect(try client.roundTrip(.check(Self.nfd, "readall", "task")).jsonObject()["allow"] as? Bool == false)

            // Deleting one leaves the other, for both.
            #expect(try client.roundTrip(.make("DELETE", "/facts/users/\(Self.percentEncoded(Self.nfd))")).status == 204)
            #expect(try client.roundTrip(.get("/facts/users/\(Self.percentEncoded(Self.nfc))")).status == 200)
            #expect(try client.roundTrip(.get("/facts/users/\(Self.percentEncoded(Self.nfd))")).status == 404)
            #expect(try client.roundTrip(.check(Self.nfc, "readall", "task")).jsonObject()["allow"] as? Bool == true)
        }
    }
}
