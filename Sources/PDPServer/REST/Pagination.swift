// SPDX-License-Identifier: Apache-2.0

/// `page` (from 1) and `per_page` (1...100) query parameters, as Permit's API takes them.
struct Pagination {
    var page: Int
    var perPage: Int

    /// The largest `page` accepted. Python has no integer limit, but a page this far out is
    /// empty for any store that fits in memory, and the bound keeps `(page - 1) * perPage`
    /// far from overflowing (a huge `page` used to crash the process).
    static let maxPage = Int(Int32.max)
    static let maxPerPage = 100

    /// Why a query's pagination cannot be used: the parameter and a message.
    struct Problem: Error, Equatable {
        var parameter: String
        var message: String
    }

    /// Defaults: page 1, 100 per page.
    /// - Throws: ``Problem`` for a non-integer or out-of-range value, or an undecodable query.
    init(validating parameters: QueryParameters) throws(Problem) {
        if let problem = parameters.problem { throw Problem(parameter: "", message: problem) }
        guard let page = parameters["page"].map({ Int($0) }) ?? 1, (1...Self.maxPage).contains(page) else {
            throw Problem(parameter: "page", message: "ensure this value is an integer between 1 and \(Self.maxPage)")
        }
        guard let perPage = parameters["per_page"].map({ Int($0) }) ?? Self.maxPerPage, (1...Self.maxPerPage).contains(perPage) else {
            throw Problem(parameter: "per_page", message: "ensure this value is an integer between 1 and \(Self.maxPerPage)")
        }
        self.page = page
        self.perPage = perPage
    }

    /// The facts API's form: out-of-range or non-integer values are 422 in FastAPI's shape.
    init(_ parameters: QueryParameters) throws(RESTError) {
        do {
            try self.init(validating: parameters)
        } catch {
            throw .invalid(error.parameter.isEmpty ? ["query"] : ["query", error.parameter], error.message)
        }
    }

    /// The position of the page's first item; saturates (a huge page is past the end).
    var offset: Int {
        let (value, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        return overflow ? Int.max : value
    }

    /// The items on this page; empty past the end. Overflow-safe for any `page`.
    func slice<T>(_ items: [T]) -> ArraySlice<T> {
        let (offset, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        let start = overflow || offset < 0 ? items.count : min(offset, items.count)
        return items[start..<(start + min(perPage, items.count - start))]
    }

    func pageCount(total: Int) -> Int { total / perPage + (total % perPage == 0 ? 0 : 1) }
}
