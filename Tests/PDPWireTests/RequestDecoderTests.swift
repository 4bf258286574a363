// SPDX-License-Identifier: Apache-2.0

import NIOCore
import PDPWire
import Testing

@Suite struct RequestDecoderTests {
    private func userPermissions(_ json: String) -> Result<UserPermissionsRequest, WireError> {
        withBytes(json) { (bytes) throws(WireError) in try UserPermissionsRequest(parsing: bytes) }
    }

    private func authorizedUsers(_ json: String) -> Result<AuthorizedUsersRequest, WireError> {
        withBytes(json) { (bytes) throws(WireError) in try AuthorizedUsersRequest(parsing: bytes) }
    }

    @Test func pythonUserPermissionsWithNullFilters() {
        #expect(userPermissions(SDKBodies.userPermissionsMinimal).value == UserPermissionsRequest(userKey: "alice"))
    }

    @Test func pythonUserPermissionsWithFiltersAndCamelCaseUser() {
        #expect(userPermissions(SDKBodies.userPermissionsFiltered).value == UserPermissionsRequest(
            userKey: "alice", tenants: ["acme"], resources: [ResourceReference(type: "task", key: "42")],
            resourceTypes: ["task"]
        ))
    }

    @Test func userPermissionsAcceptsMissingFiltersGoContextAndStringUser() {
        let request = userPermissions(#"{"user":"bob","context":{"a":"b"},"resources":["task"]}"#).value
        #expect(request == UserPermissionsRequest(userKey: "bob", resources: [ResourceReference(type: "task", key: nil)]))
    }

    @Test func userPermissionsSchemaErrorsNameTheField() {
        #expect(userPermissions(#"{"tenants":null}"#).error?.path == "user")
        #expect(userPermissions(#"{"user":{"key":"a"},"tenants":"acme"}"#).error?.path == "tenants")
        #expect(userPermissions(#"{"user":{"key":"a"},"tenants":["x",2]}"#).error?.path == "tenants[1]")
        #expect(userPermissions(#"{"user":{"key":"a"},"resources":["a:b:c"]}"#).error?.path == "resources[0]")
        #expect(userPermissions(#"{"user":{"key":"a"},"resource_types":[null]}"#).error?.path == "resource_types[0]")
        #expect(userPermissions(#"{"user":{"key":"a"},}"#).error?.kind == .syntax)
    }

    @Test func pythonAuthorizedUsersForATenant() {
        #expect(authorizedUsers(SDKBodies.authorizedUsersTenant).value == AuthorizedUsersRequest(action: "read", resourceType: "task", tenant: "acme"))
    }

    @Test func pythonAuthorizedUsersForAnInstance() {
        #expect(authorizedUsers(SDKBodies.authorizedUsersKey).value == AuthorizedUsersRequest(
            action: "read", resourceType: "task", resourceKey: "42", tenant: "default"
        ))
    }

    @Test func authorizedUsersAcceptsAStringResourceAndReportsMissingFields() {
        #expect(authorizedUsers(#"{"action":"read","resource":"task:1"}"#).value == AuthorizedUsersRequest(action: "read", resourceType: "task", resourceKey: "1"))
        #expect(authorizedUsers(#"{"resource":"task"}"#).error?.path == "action")
        #expect(authorizedUsers(#"{"action":"read"}"#).error?.path == "resource")
        #expect(authorizedUsers(#"{"action":"read","resource":{"type":null}}"#).error?.path == "resource.type")
    }

    @Test func userTenantsReadsTheUserFromAByteBuffer() throws {
        let request = try UserTenantsRequest(parsing: ByteBuffer(string: #"{"user":{"key":"alice","email":null},"context":{}}"#))
        #expect(request == UserTenantsRequest(userKey: "alice"))
        #expect(throws: WireError.self) { try UserTenantsRequest(parsing: ByteBuffer(string: #"{"context":{}}"#)) }
    }

    @Test func checkReaderWorksOnAByteBuffer() throws {
        let buffer = ByteBuffer(string: SDKBodies.checkWithKey)
        let key = try CheckRequestReader.read(buffer, scratch: JSONScratch()) { $0.resourceKey?.string }
        #expect(key == "42")
        #expect(buffer.readableBytes == SDKBodies.checkWithKey.utf8.count)
    }
}
