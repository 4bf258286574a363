// SPDX-License-Identifier: Apache-2.0

/// The contiguous range of a ``SortedIndex`` that one filter value selects (one user's, one
/// tenant's or one role's assignments), less the elements of an optional excluded subset
/// kept in the same order (assignments not in effect).
struct ListingSegment<Element: Comparable & Sendable> {
    let index: SortedIndex<Element>
    /// Positions in `index`.
    let range: Range<Int>
    let excluded: SortedIndex<Element>?
    /// Positions in `excluded` of the same selection.
    let excludedRange: Range<Int>

    /// The elements for which `compare` is 0; it must be negative before them and positive
    /// after them in the index's order (the whole index when it is always 0). O(log n).
    init(_ index: SortedIndex<Element>, excluded: SortedIndex<Element>?, compare: (Element) -> Int) {
        self.index = index
        range = index.partitionPoint { compare($0) < 0 }..<index.partitionPoint { compare($0) <= 0 }
        self.excluded = excluded
        excludedRange = excluded.map { $0.partitionPoint { compare($0) < 0 }..<$0.partitionPoint { compare($0) <= 0 } } ?? 0..<0
    }

    /// Elements in the segment that are not excluded.
    var effectiveCount: Int { range.count - excludedRange.count }

    /// The position in `index` of the `k`-th (from 0) element that is not excluded, for
    /// `k < effectiveCount`. O(log² n) with exclusions (a binary search over positions),
    /// O(1) without.
    func position(ofEffective k: Int) -> Int {
        guard excluded != nil, !excludedRange.isEmpty else { return range.lowerBound + k }
        // nonExcluded(before:) is monotone: find the first position with k + 1 before it.
        var low = range.lowerBound + k + 1, high = range.upperBound
        while low < high {
            let middle = low + (high - low) / 2
            if nonExcluded(before: middle) > k { high = middle } else { low = middle + 1 }
        }
        return low - 1
    }

    /// How many elements in `range.lowerBound ..< position` are not excluded.
    private func nonExcluded(before position: Int) -> Int {
        guard position < range.upperBound, let excluded, let element = index.element(at: position) else { return effectiveCount }
        // `excluded` is a subset in the same order, so its position of `element` counts the
        // excluded elements before it.
        return (position - range.lowerBound) - (excluded.position(of: element) - excludedRange.lowerBound)
    }

    private func isExcluded(_ element: Element) -> Bool {
        guard let excluded, !excludedRange.isEmpty else { return false }
        return excluded.contains(element)
    }

    /// The elements at `window` of the concatenated `segments`, skipping excluded ones and,
    /// when given, those `keep` rejects. Without `keep`, whole segments are skipped by their
    /// counts: O(segments × log² n + page); with it, elements are walked from the first
    /// segment's start.
    static func page(_ segments: [ListingSegment], _ window: Range<Int>, keep: ((Element) -> Bool)?) -> [Element] {
        var result: [Element] = []
        var skip = window.lowerBound
        let limit = window.count
        for segment in segments where result.count < limit && !segment.range.isEmpty {
            var position = segment.range.lowerBound
            if keep == nil {
                let count = segment.effectiveCount
                if skip >= count {
                    skip -= count
                    continue
                }
                position = segment.position(ofEffective: skip)
                skip = 0
            }
            segment.index.forEach(from: position) { element in
                guard position < segment.range.upperBound else { return false }
                position += 1
                guard !segment.isExcluded(element), keep?(element) ?? true else { return true }
                if skip > 0 {
                    skip -= 1
                    return true
                }
                result.append(element)
                return result.count < limit
            }
        }
        return result
    }
}
