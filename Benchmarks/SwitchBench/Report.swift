import Foundation

/// Everything one run of switch-bench measured, and its text forms.
struct Report {
    static let nativeReference = "native-asm"
    static let nodeReference = "emscripten-node"

    var machine: MachineInfo
    var config: BenchConfig
    var measurements: [Measurement]
    var memory: [MemoryFigure] = []
    /// TB code generation and workload figures, printed after the table.
    var tb: TBFigures?

    /// Implementations in first-measured order.
    var implementations: [String] {
        var seen: [String] = []
        for measurement in measurements where !seen.contains(measurement.implementation) {
            seen.append(measurement.implementation)
        }
        return seen
    }

    /// The median of `implementation` at `depth`, if measured.
    func median(_ implementation: String, depth: Int) -> Double? {
        measurements.first { $0.implementation == implementation && $0.depth == depth }?.median
    }

    /// `row / reference` at the same depth, formatted, or "-".
    func ratio(_ row: Measurement, to reference: String) -> String {
        guard let base = median(reference, depth: row.depth), base > 0 else { return "-" }
        return format(row.median / base, decimals: 2)
    }

    /// Least-squares fit of median ns per swap against depth, per implementation.
    var fits: [(implementation: String, fit: LinearFit, depths: [Int])] {
        implementations.compactMap { name in
            let rows = measurements.filter { $0.implementation == name }
            guard let fit = LinearFit(rows.map { (x: Double($0.depth), y: $0.median) }) else { return nil }
            return (name, fit, rows.map(\.depth))
        }
    }

    /// Least-squares fit of Asyncify bytes against depth, where known.
    var bytesPerFrame: [(implementation: String, fit: LinearFit)] {
        implementations.compactMap { name in
            let points = measurements.filter { $0.implementation == name }
                .compactMap { row in row.asyncifyBytes.map { (x: Double(row.depth), y: Double($0)) } }
            return LinearFit(points).map { (name, $0) }
        }
    }

    /// The table printed on stdout.
    var text: String {
        var lines: [String] = []
        lines.append("switch-bench: ns per one-way switch, median and min of \(config.runs) runs")
        lines.append("machine: \(machine.summary)")
        lines.append("")
        let header = ["implementation", "depth", "median ns", "min ns", "runs", "x native-asm", "x node"]
        var rows: [[String]] = []
        for row in measurements {
            rows.append([
                row.implementation, String(row.depth), format(row.median, decimals: 1),
                format(row.minimum, decimals: 1), String(row.samples.count),
                ratio(row, to: Self.nativeReference), ratio(row, to: Self.nodeReference),
            ])
        }
        lines += alignedTable(header: header, rows: rows)
        lines.append(
            "depth: frames on each side's stack at the switch. x native-asm, x node: this row's median")
        lines.append("over the median of native-asm / emscripten-node at the same depth (runs interleaved).")

        let anchors = anchorRows
        if !anchors.isEmpty {
            lines.append("")
            lines.append(
                "anchors from docs/ReferenceFigures.md (measured elsewhere) against this run, depth 1")
            lines += alignedTable(header: ["reference", "elsewhere", "this run", "row"], rows: anchors)
        }

        let fits = self.fits
        if !fits.isEmpty {
            lines.append("")
            lines.append("cost against call depth (least squares over the depths measured)")
            lines += alignedTable(
                header: ["implementation", "intercept ns", "ns per frame", "depths"],
                rows: fits.map {
                    [
                        $0.implementation, format($0.fit.intercept, decimals: 1),
                        format($0.fit.slope, decimals: 2), $0.depths.map(String.init).joined(separator: ","),
                    ]
                })
        }
        let bytes = bytesPerFrame
        if !bytes.isEmpty {
            lines.append("")
            lines.append("Asyncify data per unwound stack (least squares over depth)")
            lines += alignedTable(
                header: ["implementation", "bytes per frame", "fixed bytes"],
                rows: bytes.map {
                    [
                        $0.implementation, format($0.fit.slope, decimals: 1),
                        format($0.fit.intercept, decimals: 0),
                    ]
                })
        }
        if !memory.isEmpty {
            lines.append("")
            lines.append("memory per idle fiber")
            lines += alignedTable(
                header: ["implementation", "fibers", "resident bytes/fiber", "allocated bytes/fiber"],
                rows: memory.map {
                    [
                        $0.implementation, String($0.fibers), format($0.residentBytesPerFiber, decimals: 0),
                        $0.allocatedBytesPerFiber.map { format($0, decimals: 0) } ?? "-",
                    ]
                })
        }
        if let tb { lines += tb.lines }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The published figures this run should be in line with, next to the
    /// depth-1 median measured here.
    static let anchors: [(reference: String, elsewhere: String, implementation: String)] = [
        ("Emscripten fiber switch under node", "~600 ns", "emscripten-node"),
        ("Boost fcontext native switch", "~9 ns", "native-asm"),
        ("ucontext swapcontext", "~500 ns", "ucontext"),
    ]

    var anchorRows: [[String]] {
        Self.anchors.compactMap { anchor in
            median(anchor.implementation, depth: 1).map {
                [anchor.reference, anchor.elsewhere, format($0, decimals: 1) + " ns", anchor.implementation]
            }
        }
    }

    /// CSV with the header `implementation,depth,median_ns,min_ns,runs`.
    var csv: String {
        var text = "implementation,depth,median_ns,min_ns,runs\n"
        for row in measurements {
            text += "\(row.implementation),\(row.depth),\(format(row.median, decimals: 3)),"
            text += "\(format(row.minimum, decimals: 3)),\(row.samples.count)\n"
        }
        return text
    }
}

/// Fixed-point formatting without locale surprises.
func format(_ value: Double, decimals: Int) -> String {
    guard value.isFinite else { return "-" }
    return String(format: "%.\(decimals)f", value)
}

/// Left-aligns the first column and right-aligns the rest.
func alignedTable(header: [String], rows: [[String]]) -> [String] {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    return all.map { cells in
        cells.indices.map { column in
            let cell = cells[column]
            let padding = String(repeating: " ", count: widths[column] - cell.count)
            return column == 0 ? cell + padding : padding + cell
        }.joined(separator: "  ")
    }
}
