// SPDX-License-Identifier: Apache-2.0

/// A bar chart's geometry, drawn as inline SVG by `analytics.leaf` (no JavaScript, nothing
/// from elsewhere). Heights are scaled to the largest value; every bar is labelled with its
/// value, so the chart reads without colours.
struct BarChart: Encodable {
    struct Bar: Encodable {
        var label: String
        var value: Int
        var kind: String
        var x: Int
        var y: Int
        var width: Int
        var height: Int
        var labelX: Int
        var valueY: Int
    }

    static let width = 640
    static let height = 260
    static let plotTop = 24
    static let plotBottom = 220

    var width = BarChart.width
    var height = BarChart.height
    var baseline = BarChart.plotBottom
    var labelY = BarChart.plotBottom + 20
    var bars: [Bar]
    var summary: String

    init(bars values: [(label: String, value: Int, kind: String)]) {
        let slot = Self.width / max(1, values.count)
        let barWidth = slot * 3 / 5
        let largest = max(1, values.map(\.value).max() ?? 1)
        let plotHeight = Self.plotBottom - Self.plotTop
        bars = values.enumerated().map { index, entry in
            let height = entry.value == 0 ? 0 : max(2, entry.value * plotHeight / largest)
            let x = index * slot + (slot - barWidth) / 2
            return Bar(
                label: entry.label, value: entry.value, kind: entry.kind, x: x, y: Self.plotBottom - height,
                width: barWidth, height: height, labelX: x + barWidth / 2, valueY: Self.plotBottom - height - 6)
        }
        summary = values.map { "\($0.label): \($0.value)" }.joined(separator: ", ")
    }
}
