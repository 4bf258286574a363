// SPDX-License-Identifier: Apache-2.0

import PDPWire
import Testing

@Suite struct JSONConformanceTests {
    static let valid: [String] = [
        "null", "true", "false", "0", "-0", "1", "-1", "10", "1.5", "-0.25", "1e5", "1E+5", "1e-5", "0.0e0",
        "123456789012345678901234567890", #""""#, #""a""#, #""\"\\\/\b\f\n\r\t""#, #""\u0000""#,
        #""\ud83d\ude00""#, #""é😀€""#, "[]", "{}", "[1,[2,[3]]]", #"{"a":{"b":[]}}"#, " \t\r\n[ 1 , 2 ] \n",
        #"{"a":1,"a":2}"#,
    ]

    static let invalid: [String] = [
        "", " ", "nul", "tru", "True", "NaN", "Infinity", "-Infinity", "+1", "01", "-01", "1.", ".5", "1e", "1e+",
        "-", "0x10", "1 2", "[1,]", #"{"a":1,}"#, "[,1]", #"{,}"#, #"{"a"}"#, #"{"a":}"#, #"{a:1}"#, "['a']",
        "[1] // c", "/* c */ 1", "[1", "{", #"{"a":1"#, #"""#, #""abc"#, #""\x""#, #""\u12""#, #""\u12G4""#,
        #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\ud83dx""#, "\"a\u{01}b\"", "\"tab\there\"",
        "\u{0C}1", "[1]]", "{}{}", "[\u{A0}1]",
    ]

    @Test(arguments: valid)
    func acceptsValidDocument(_ json: String) {
        #expect(parseJSON(json).value != nil, "\(json)")
    }

    @Test(arguments: invalid)
    func rejectsInvalidDocumentAsSyntaxError(_ json: String) {
        #expect(parseJSON(json).error?.kind == .syntax, "\(json)")
    }

    @Test func rejectsInvalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xC3, 0x22],
            [0x22, 0x80, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22],
        ]
        for bytes in cases {
            let result = withBytes(bytes) { (raw) throws(WireError) in try JSONValue.parse(raw) }
            #expect(result.error?.kind == .syntax, "\(bytes)")
        }
    }

    @Test func rejectsByteOrderMark() {
        let result = withBytes([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) { (raw) throws(WireError) in try JSONValue.parse(raw) }
        #expect(result.error?.kind == .syntax)
        #expect(result.error?.offset == 0)
    }

    @Test func enforcesTheDepthLimit() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseJSON(ok).value != nil)
        #expect(parseJSON(deep).error?.kind == .syntax)
        let tight = withBytes("[[1]]") { (raw) throws(WireError) in try JSONValue.parse(raw, limits: JSONLimits(maxDepth: 1)) }
        #expect(tight.error?.kind == .syntax)
    }

    @Test func decodesEscapesAndNumbersIntoValues() throws {
        let value = try parseJSON(#"{"s":"a\nb\u00e9\ud83d\ude00","i":-42,"d":2.5e-1,"big":1e400,"t":true,"n":null,"l":[1,"x"]}"#).get()
        #expect(value["s"]?.stringValue == "a\nbé😀")
        #expect(value["i"]?.intValue == -42)
        #expect(value["d"]?.doubleValue == 0.25)
        #expect(value["big"]?.doubleValue == .infinity)
        #expect(value["t"]?.boolValue == true)
        #expect(value["n"]?.isNull == true)
        #expect(value["l"]?[1]?.stringValue == "x")
        #expect(value["missing"] == nil)
    }

    @Test func duplicateKeysKeepOrderAndLookupReturnsTheLast() throws {
        let value = try parseJSON(#"{"a":1,"b":2,"a":3}"#).get()
        #expect(value.objectMembers?.map(\.key) == ["a", "b", "a"])
        #expect(value["a"]?.intValue == 3)
    }

    @Test func syntaxErrorsCarryTheOffendingOffset() {
        #expect(parseJSON(#"[1, 2, x]"#).error?.offset == 7)
        #expect(parseJSON(#"{"a": 01}"#).error?.offset == 6)
        #expect(parseJSON(#"["\q"]"#).error?.offset == 2)
    }
}
