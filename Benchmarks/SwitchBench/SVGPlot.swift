import Foundation

/// A hand-written SVG plot of median ns per swap against call depth, one line
/// per implementation, both axes logarithmic (depths 1, 4, 16, 64 are evenly
/// spaced; costs span from a function call to a node fiber switch).
struct SVGPlot {
    var report: Report

    private let width = 760.0
    private let height = 460.0
    private let left = 70.0
    private let right = 210.0
    private let top = 50.0
    private let bottom = 60.0
    private static let colors = [
        "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
        "#7f7f7f", "#bcbd22",
    ]

    var svg: String {
        let rows = report.measurements.filter { $0.median.isFinite && $0.median >= 0.1 }
        let depths = Set(rows.map(\.depth)).sorted()
        let minDepth = Double(depths.first ?? 1)
        let maxDepth = Double(max(depths.last ?? 64, (depths.first ?? 1) * 2))
        let lowDecade = max(floor(log10(rows.map(\.median).min() ?? 1)), -1)
        let highDecade = max(ceil(log10(rows.map(\.median).max() ?? 10)), lowDecade + 1)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom

        func x(_ depth: Int) -> Double {
            left + (log2(Double(depth)) - log2(minDepth)) / (log2(maxDepth) - log2(minDepth)) * plotWidth
        }
        func y(_ ns: Double) -> Double {
            top + plotHeight - (log10(ns) - lowDecade) / (highDecade - lowDecade) * plotHeight
        }

        var out = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" \
            viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="22" font-size="15">switch-bench: ns per one-way swap against call depth (log-log)</text>
            <text x="\(left)" y="38" fill="#555">\(escape(report.machine.summary))</text>

            """
        // Grid and tick labels.
        var decade = lowDecade
        while decade <= highDecade {
            let value = pow(10, decade)
            let py = y(value)
            out += line(left, py, left + plotWidth, py, stroke: "#ddd")
            out += text(left - 8, py + 4, value >= 1 ? String(Int(value)) : String(value), anchor: "end")
            decade += 1
        }
        for depth in depths {
            let px = x(depth)
            out += line(px, top, px, top + plotHeight, stroke: "#ddd")
            out += text(px, top + plotHeight + 18, String(depth), anchor: "middle")
        }
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" "
        out += "fill=\"none\" stroke=\"#333\"/>\n"
        out += text(left + plotWidth / 2, height - 14, "call depth (frames)", anchor: "middle")
        let midY = top + plotHeight / 2
        out += "<text x=\"18\" y=\"\(midY)\" text-anchor=\"middle\" "
        out += "transform=\"rotate(-90 18 \(midY))\">ns per swap</text>\n"

        // One polyline (or a lone marker) per implementation, and its legend entry.
        for (index, name) in report.implementations.enumerated() {
            let color = Self.colors[index % Self.colors.count]
            let points = rows.filter { $0.implementation == name }.sorted { $0.depth < $1.depth }
            guard !points.isEmpty else { continue }
            let coordinates = points.map { "\(fmt(x($0.depth))),\(fmt(y($0.median)))" }
            if points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" "
                out += "points=\"\(coordinates.joined(separator: " "))\"/>\n"
            }
            for point in points {
                out += "<circle cx=\"\(fmt(x(point.depth)))\" cy=\"\(fmt(y(point.median)))\" r=\"3.5\" "
                out += "fill=\"\(color)\"><title>\(escape(name)) depth \(point.depth): "
                out += "\(format(point.median, decimals: 1)) ns</title></circle>\n"
            }
            let legendY = top + 10 + Double(index) * 20
            let legendX = left + plotWidth + 16
            out += line(legendX, legendY, legendX + 22, legendY, stroke: color, width: 2)
            out += text(legendX + 28, legendY + 4, name, anchor: "start")
        }
        out += "</svg>\n"
        return out
    }

    private func fmt(_ value: Double) -> String { format(value, decimals: 1) }

    private func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1
    ) -> String {
        "<line x1=\"\(fmt(x1))\" y1=\"\(fmt(y1))\" x2=\"\(fmt(x2))\" y2=\"\(fmt(y2))\" "
            + "stroke=\"\(stroke)\" stroke-width=\"\(fmt(width))\"/>\n"
    }

    private func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\">\(escape(content))</text>\n"
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
