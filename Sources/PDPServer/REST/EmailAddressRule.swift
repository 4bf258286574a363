// SPDX-License-Identifier: Apache-2.0

/// Which e-mail addresses the facts API stores.
///
/// The Permit SDKs read users back into pydantic models whose `email` is an `EmailStr`,
/// checked by the `email-validator` package (2.4.0 with permit 3.0.0). An address it refuses
/// is stored fine but then fails every read of that user, leaving the app an orphan it
/// cannot see, so the addresses it refuses for their domain are refused here on write:
/// - a domain without a period (`syntax.py`, `validate_email_domain_name`: "It should have
///   a period");
/// - a top-level label that does not end with a letter (`DOMAIN_NAME_REGEX = [A-Za-z]\Z`,
///   "not within a valid top-level domain");
/// - a special-use or reserved domain, compared case-insensitively, the name itself or any
///   name under it (`SPECIAL_USE_DOMAIN_NAMES` in `email_validator/__init__.py`: `arpa`,
///   `invalid`, `local`, `localhost`, `onion`, `test`). `example`, `example.com` and the
///   like are accepted there, and so here.
/// The local part is only required to be non-empty and without spaces; email-validator's
/// full syntax check (quoting, label lengths, IDNA) is not repeated.
enum EmailAddressRule {
    /// `email_validator.SPECIAL_USE_DOMAIN_NAMES` (email-validator 2.4.0).
    static let specialUseDomains = ["arpa", "invalid", "local", "localhost", "onion", "test"]

    /// Why `address` would be refused, or `nil` when it is accepted.
    ///
    /// Read scalar by scalar, as email-validator reads the text and as docs/openapi.json's
    /// pattern states the rule: comparing `Character`s missed an `@`, `.` or space followed by
    /// a combining mark (`a@example.\u{301}com` was refused for having no period, and
    /// `a \u{301}@example.com` accepted despite its space; schemathesis found the first).
    static func problem(_ address: String) -> String? {
        let scalars = Array(address.unicodeScalars)
        let parts = scalars.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !scalars.contains(" ") else {
            return "an address is one '@' between a local part and a domain, without spaces"
        }
        var lowered = String.UnicodeScalarView()
        lowered.append(contentsOf: parts[1])
        let domain = Array(String(lowered).lowercased().unicodeScalars)
        guard let last = domain.last, last != "." else { return "an address cannot end with a period" }
        guard domain.contains(".") else { return "the domain after the '@' should have a period" }
        // Non-ASCII top-level labels are left to IDNA, which this does not repeat.
        guard !last.isASCII || ("a"..."z").contains(last) else {
            return "the domain after the '@' is not within a valid top-level domain"
        }
        for name in specialUseDomains {
            let suffix = Array(name.unicodeScalars)
            if domain == suffix || (domain.count > suffix.count && domain.suffix(suffix.count).elementsEqual(suffix)
                && domain[domain.count - suffix.count - 1] == ".")
            {
                return "'\(name)' is a special-use or reserved domain that cannot be used with email"
            }
        }
        return nil
    }
}
