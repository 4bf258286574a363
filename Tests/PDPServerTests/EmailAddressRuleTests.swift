// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import PDPServer

@Suite struct EmailAddressRuleTests {
    @Test("the rule reads Unicode scalars: an '@', '.' or space followed by a combining mark still counts")
    func combiningMarks() {
        // Schemathesis sent an address whose only period was followed by U+0301: compared as
        // `Character`s, ".\u{301}" is not ".", so a domain with a period was refused as one
        // without, although docs/openapi.json's pattern (and email-validator) see the period.
        #expect(EmailAddressRule.problem("a@example.\u{301}com") == nil)
        #expect(EmailAddressRule.problem("a@\u{301}example.com") == nil)
        #expect(EmailAddressRule.problem("a\u{301}@example.com") == nil)
        // A space with a combining mark is still a space, and a second '@' still a second one.
        #expect(EmailAddressRule.problem("a \u{301}@example.com") != nil)
        #expect(EmailAddressRule.problem("a@b@\u{301}example.com") != nil)
        #expect(EmailAddressRule.problem("a@example.com.\u{301}") == nil, "the top-level label ends in a non-ASCII scalar")
        #expect(EmailAddressRule.problem("a@example\u{301}") != nil, "no period")
    }

    @Test("special-use domains are refused by name or as a parent, in any case; look-alikes are not")
    func specialUse() {
        for address in ["a@x.test", "a@TEST", "a@x.Local", "a@1.in-addr.arpa", "a@x.onion", "a@x.localhost", "a@y.invalid"] {
            #expect(EmailAddressRule.problem(address) != nil, "\(address)")
        }
        for address in ["a@x.contest", "a@xtest.com", "a@x.test.com", "a@x.\u{301}test", "a@x.tests"] {
            #expect(EmailAddressRule.problem(address) == nil, "\(address)")
        }
    }

    @Test("shape: one '@', non-empty parts, a period, a top-level label ending in a letter or non-ASCII")
    func shape() {
        for address in ["a@example.com", "a.b+c@mail.example.org", "x@y.z", "a@b.\u{e9}"] {
            #expect(EmailAddressRule.problem(address) == nil, "\(address)")
        }
        for address in ["", "@example.com", "a@", "a@b", "a@b.", "a@b.c1", "a@b.c-", "a b@example.com", "a@@example.com"] {
            #expect(EmailAddressRule.problem(address) != nil, "\(address)")
        }
    }
}
