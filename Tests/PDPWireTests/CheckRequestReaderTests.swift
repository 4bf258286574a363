// SPDX-License-Identifier: Apache-2.0

import PDPWire
import Testing

@Suite struct CheckRequestReaderTests {
    @Test func pythonTypeLevelCheckHasNullKeyAndDefaultTenant() {
        #expect(readCheck(SDKBodies.checkTypeOnly).value == CheckSnapshot("alice", "read", "task", tenant: "default"))
    }

    @Test func pythonInstanceCheckCarriesTheKey() {
        #expect(readCheck(SDKBodies.checkWithKey).value == CheckSnapshot("alice", "read", "task", key: "42", tenant: "default"))
    }

    @Test func pythonFullBodyIgnoresNamesRolesAttributesAndContext() {
        #expect(readCheck(SDKBodies.checkFull).value == CheckSnapshot("alice", "update", "task", key: "42", tenant: "acme"))
    }

    @Test func pythonNullOptionalFieldsAreAccepted() {
        #expect(readCheck(SDKBodies.checkNulls).value == CheckSnapshot("alice", "read", "task", key: "1", tenant: "default"))
    }

    @Test func pythonMergedContextIsSkipped() {
        #expect(readCheck(SDKBodies.checkMergedContext).value == CheckSnapshot("alice", "read", "task", tenant: "default"))
    }

    @Test func pythonWithoutDefaultTenantHasNoTenant() {
        #expect(readCheck(SDKBodies.checkNoDefaultTenant).value == CheckSnapshot("alice", "read", "task", key: "42"))
    }

    @Test func userMayBeAPlainString() {
        let body = #"{"user":"alice","action":"read","resource":{"type":"task"}}"#
        #expect(readCheck(body).value == CheckSnapshot("alice", "read", "task"))
    }

    @Test func resourceMayBeATypeString() {
        #expect(readCheck(#"{"user":"a","action":"read","resource":"task"}"#).value == CheckSnapshot("a", "read", "task"))
    }

    @Test func resourceMayBeATypeColonKeyString() {
        #expect(readCheck(#"{"user":"a","action":"read","resource":"task:42"}"#).value == CheckSnapshot("a", "read", "task", key: "42"))
    }

    @Test func resourceStringWithTwoColonsIsASchemaError() {
        let error = readCheck(#"{"user":"a","action":"read","resource":"task:4:2"}"#).error
        #expect(error?.kind == .schema)
        #expect(error?.path == "resource")
    }

    @Test func resourceIdStandsInForAMissingOrNullKey() {
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"type":"t","id":"9"}}"#).value?.key == "9")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"type":"t","key":null,"id":"9"}}"#).value?.key == "9")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"id":"9","type":"t","key":"1"}}"#).value?.key == "1")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"type":"t","id":17}}"#).value?.key == nil)
    }

    @Test func tenantFallsBackToResourceContextTenant() {
        let body = #"{"user":"a","action":"r","resource":{"type":"t","tenant":null,"context":{"x":[1,{"tenant":"no"}],"tenant":"acme"}}}"#
        #expect(readCheck(body).value?.tenant == "acme")
        let explicit = #"{"user":"a","action":"r","resource":{"context":{"tenant":"ctx"},"type":"t","tenant":"top"}}"#
        #expect(readCheck(explicit).value?.tenant == "top")
        let nonString = #"{"user":"a","action":"r","resource":{"type":"t","context":{"tenant":5}}}"#
        #expect(readCheck(nonString).value?.tenant == nil)
    }

    @Test func goRolesShapeAndCamelCaseNamesParseAndAreIgnored() {
        let body = #"{"user":{"key":"alice","firstName":"A","lastName":null,"roles":[{"Role":"editor","Tenant":"acme"}]},"action":"read","resource":{"type":"task","tenant":"acme"}}"#
        #expect(readCheck(body).value == CheckSnapshot("alice", "read", "task", tenant: "acme"))
    }

    @Test func missingTopLevelContextAndUnknownFieldsAreFine() {
        let body = #"{"sdk":"x","user":{"key":"a","unknown":{"deep":[true,false,null]}},"action":"r","resource":{"type":"t","extra":1.5e3},"zzz":null}"#
        #expect(readCheck(body).value == CheckSnapshot("a", "r", "t"))
    }

    @Test func escapedStringsDecodeIntoTheScratch() {
        let body = #"{"user":{"key":"al\u0069ce"},"action":"re\"ad","resource":"t\u00e9sk:\ud83d\ude00"}"#
        #expect(readCheck(body).value == CheckSnapshot("alice", "re\"ad", "tésk", key: "😀"))
    }

    @Test func escapedKeysMatchTheirDecodedNames() {
        let body = #"{"\u0075ser":"a","action":"r","resource":{"typ\u0065":"t"}}"#
        #expect(readCheck(body).value == CheckSnapshot("a", "r", "t"))
    }

    @Test func missingRequiredFieldsNameTheField() {
        #expect(readCheck(#"{"action":"r","resource":"t"}"#).error?.path == "user")
        #expect(readCheck(#"{"user":"a","resource":"t"}"#).error?.path == "action")
        #expect(readCheck(#"{"user":"a","action":"r"}"#).error?.path == "resource")
        #expect(readCheck(#"{"user":{},"action":"r","resource":"t"}"#).error?.path == "user.key")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"key":"1"}}"#).error?.path == "resource.type")
    }

    @Test func wrongTypesAreSchemaErrorsWithPathAndReason() throws {
        let error = try #require(readCheck(#"{"user":"a","action":"r","resource":{"type":5}}"#).error)
        #expect(error.kind == .schema)
        #expect(error.httpStatus == 422)
        #expect(error.description.hasPrefix("resource.type: expected a string, found a number"))
        #expect(readCheck(#"{"user":"a","action":true,"resource":"t"}"#).error?.path == "action")
        #expect(readCheck(#"{"user":{"key":null},"action":"r","resource":"t"}"#).error?.path == "user.key")
        // An empty user key is a valid (unknown) user, as in Permit's PDP: a deny, not an error.
        #expect((try? readCheck(#"{"user":{"key":""},"action":"r","resource":"t"}"#).get())?.user == "")
        #expect((try? readCheck(#"{"user":"","action":"r","resource":"t"}"#).get())?.user == "")
        #expect(readCheck(#"{"user":[],"action":"r","resource":"t"}"#).error?.path == "user")
        #expect(readCheck(#"{"user":"a","action":"r","resource":null}"#).error?.path == "resource")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"type":"t","key":1}}"#).error?.path == "resource.key")
        #expect(readCheck(#"{"user":"a","action":"r","resource":{"type":"t","tenant":[]}}"#).error?.path == "resource.tenant")
        #expect(readCheck(#"[]"#).error?.kind == .schema)
    }

    @Test func malformedJSONIsASyntaxErrorWithOffset() throws {
        let error = try #require(readCheck(#"{"user":"a","action":"r","resource":"t",}"#).error)
        #expect(error.kind == .syntax)
        #expect(error.httpStatus == 400)
        #expect(error.offset == 40)
        #expect(readCheck(#"{"user":"a","action":"r","resource":"t"} x"#).error?.kind == .syntax)
        #expect(readCheck("").error?.kind == .syntax)
    }

    @Test func oversizedBodyIsRejectedBeforeParsing() {
        let result = withBytes(SDKBodies.checkFull) { (bytes) throws(WireError) in
            try CheckRequestReader.read(bytes, scratch: JSONScratch(), limits: JSONLimits(maxBytes: 64)) { _ in () }
        }
        #expect(result.error?.kind == .tooLarge)
        #expect(result.error?.httpStatus == 413)
    }

    @Test func scratchStopsGrowingAfterWarmUp() {
        let scratch = JSONScratch(initialCapacity: 64)
        let body = #"{"user":{"key":"al\u0069ce"},"action":"read","resource":{"type":"task","key":"4\u0032","tenant":"acme"},"context":{"ip":"10.0.0.1"}}"#
        #expect(readCheck(body, scratch: scratch).value?.key == "42")
        let capacity = scratch.currentCapacity
        for _ in 0..<1000 { _ = readCheck(body, scratch: scratch) }
        #expect(scratch.currentCapacity == capacity)
        #expect(readCheck(body, scratch: scratch).value == CheckSnapshot("alice", "read", "task", key: "42", tenant: "acme"))
    }
}
