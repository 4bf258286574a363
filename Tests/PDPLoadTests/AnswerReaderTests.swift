// SPDX-License-Identifier: Apache-2.0
import NIOCore
import Testing

@testable import PDPLoad

@Suite struct AnswerReaderTests {
    func decisions(_ text: String, count: Int) -> Result<[Bool], AnswerError> {
        AnswerReader.decisions(in: ByteBuffer(string: text), bulk: true, expectedCount: count)
    }

    @Test func compactBulkAnswersAreReadWithoutTheParser() throws {
        let text = #"{"allow":[{"allow":true,"result":true},{"allow":false,"result":false},{"allow":true,"result":true}]}"#
        #expect(AnswerReader.commonBulkAnswer(ByteBuffer(string: text), expectedCount: 3) == [true, false, true])
        #expect(try decisions(text, count: 3).get() == [true, false, true])
        #expect(AnswerReader.commonBulkAnswer(ByteBuffer(string: #"{"allow":[]}"#), expectedCount: 0) == [])
    }

    @Test func otherShapesFallBackToTheParser() throws {
        // Spaces, other members, the `result` wrapper: not the compact form, still read.
        let spaced = #"{"allow": [{"allow": true, "result": true}, {"allow": false, "debug": {}}]}"#
        #expect(AnswerReader.commonBulkAnswer(ByteBuffer(string: spaced), expectedCount: 2) == nil)
        #expect(try decisions(spaced, count: 2).get() == [true, false])
        #expect(try decisions(#"{"result":{"allow":[{"allow":false}]}}"#, count: 1).get() == [false])
    }

    @Test func wrongCountsAndTruncatedAnswersAreErrors() {
        let two = #"{"allow":[{"allow":true,"result":true},{"allow":true,"result":true}]}"#
        #expect(throws: AnswerError.self) { try decisions(two, count: 3).get() }
        #expect(throws: AnswerError.self) { try decisions(String(two.dropLast()), count: 2).get() }
        #expect(throws: AnswerError.self) { try decisions(two + " x", count: 2).get() }
        #expect(throws: AnswerError.self) { try decisions(#"{"allow":[{"allow":"yes"}]}"#, count: 1).get() }
    }
}
