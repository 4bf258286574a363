// SPDX-License-Identifier: Apache-2.0

/// `page` (from 1) and `per_page` (1...100) query parameters, as Permit's API takes them.
struct Pagination {
    var page: Int
    var perPage: Int

    /// Defaults: page 1, 100 per page. Out-of-range or non-integer values are 422.
    init(_ parameters: QueryParameters) throws(RESTError) {
        let page = parameters["page"].map { Int($0) } ?? 1
        let perPage = parameters["per_page"].map { Int($0) } ?? 100
        guard let page, page >= 1 else { throw .invalid(["query", "page"], "ensure this value is greater than or equal to 1") }
        guard let perPage, (1...100).contains(perPage) else {
            throw .invalid(["query", "per_page"], "ensure this value is between 1 and 100")
        }
        self.page = page
        self.perPage = perPage
    }

    /// The position of the page's first item; saturates (a huge page is past the end).
    var offset: Int {
        let (value, overflow) = (page - 1).multipliedReportingOverflow(by: perPage)
        return overflow ? Int.max : value
    }

    func slice<T>(_ items: [T]) -> ArraySlice<T> {
        let start = min((page - 1) * perPage, items.count)
        return items[start..<min(start + perPage, items.count)]
    }

    func pageCount(total: Int) -> Int { (total + perPage - 1) / perPage }
}
