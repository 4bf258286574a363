// SPDX-License-Identifier: Apache-2.0
import Foundation

extension LoadReport {
    /// A self-contained HTML page: the summary table and the latency-by-percentile curve as
    /// inline SVG (percentiles on a log scale of 1/(1-p), as HdrHistogram plots them).
    public func html(title: String = "pdp load report") -> String {
        let summary = table().split(separator: "\n", omittingEmptySubsequences: false).map { Self.escape(String($0)) }.joined(separator: "\n")
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(Self.escape(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222}
            pre{background:#f6f6f6;padding:1em;border-radius:6px;overflow-x:auto}
            svg text{font-size:12px;fill:#444} .grid{stroke:#ddd} .curve{fill:none;stroke:#1f6feb;stroke-width:2}
            </style></head><body>
            <h1>\(Self.escape(title))</h1>
            <pre>\(summary)</pre>
            <h2>Latency by percentile</h2>
            \(chart())
            </body></html>

            """
    }

    /// The latency curve as an inline SVG element.
    func chart(width: Double = 760, height: Double = 360) -> String {
        let left = 70.0, right = 20.0, top = 20.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxNines = 5.0
        func x(_ percentile: Double) -> Double {
            let nines = percentile >= 100 ? maxNines : min(maxNines, -log10(1 - percentile / 100))
            return left + plotWidth * nines / maxNines
        }
        let peak = Double(percentileCurve.map(\.microseconds).max() ?? 0)
        let yMax = Self.niceCeiling(max(peak, 1))
        func y(_ micros: Double) -> Double { top + plotHeight * (1 - micros / yMax) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"latency by percentile\">"
        for (label, percentile) in [("0%", 0.0), ("90%", 90), ("99%", 99), ("99.9%", 99.9), ("99.99%", 99.99), ("99.999%", 99.999)] {
            let px = Self.format(x(percentile))
            svg += "<line class=\"grid\" x1=\"\(px)\" y1=\"\(Self.format(top))\" x2=\"\(px)\" y2=\"\(Self.format(top + plotHeight))\"/>"
            svg += "<text x=\"\(px)\" y=\"\(Self.format(height - 15))\" text-anchor=\"middle\">\(label)</text>"
        }
        for step in 0...4 {
            let value = yMax * Double(step) / 4
            let py = Self.format(y(value))
            svg += "<line class=\"grid\" x1=\"\(Self.format(left))\" y1=\"\(py)\" x2=\"\(Self.format(left + plotWidth))\" y2=\"\(py)\"/>"
            svg += "<text x=\"\(Self.format(left - 8))\" y=\"\(py)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.micros(UInt64(value)))</text>"
        }
        let points = percentileCurve.map { "\(Self.format(x($0.percentile))),\(Self.format(y(Double($0.microseconds))))" }
        if !points.isEmpty { svg += "<polyline class=\"curve\" points=\"\(points.joined(separator: " "))\"/>" }
        for point in percentileCurve {
            svg += "<circle cx=\"\(Self.format(x(point.percentile)))\" cy=\"\(Self.format(y(Double(point.microseconds))))\" r=\"2.5\" fill=\"#1f6feb\">"
            svg += "<title>p\(point.percentile): \(Self.micros(point.microseconds))</title></circle>"
        }
        svg += "</svg>"
        return svg
    }

    private static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for factor in [1.0, 2, 2.5, 5, 10] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    private static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
