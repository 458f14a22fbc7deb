// Backward liveness of locals over an instrumented body (structured control
// flow, one node per instruction). The instrumenter asks which locals are live
// right after each possibly-unwinding call: those, plus the stack values the
// rewind path reloads, are what the function's frame must hold.

import WasmBinary

struct Liveness {
    /// Words per local set.
    let words: Int
    private var liveIn: [UInt64]

    /// Computes liveness for `code` (a function body without its final `end`).
    ///
    /// - Parameters:
    ///   - alwaysTaken: Positions of `if`s that normal execution always enters (the rewind
    ///     guards): their skip edge does not exist while the function runs normally.
    init(_ code: [Instruction], localCount: Int, alwaysTaken: Set<Int>) {
        words = max(1, (localCount + 63) / 64)
        let n = code.count
        // Structure: matching else/end of each construct, and the construct stack at branches.
        var successors = [[Int]](repeating: [], count: n)
        var openStarts: [Int] = []
        var endOf = [Int](repeating: -1, count: n)
        var elseOf = [Int](repeating: -1, count: n)
        var ownerOf = [Int](repeating: -1, count: n)  // else/end -> construct start
        for (p, instruction) in code.enumerated() {
            switch instruction {
            case .block, .loop, .if: openStarts.append(p)
            case .else:
                if let s = openStarts.last {
                    elseOf[s] = p
                    ownerOf[p] = s
                }
            case .end:
                if let s = openStarts.popLast() {
                    endOf[s] = p
                    ownerOf[p] = s
                }
            default: break
            }
        }
        openStarts.removeAll()
        func target(_ depth: UInt32) -> Int? {
            let i = openStarts.count - 1 - Int(depth)
            guard i >= 0 else { return nil }
            let s = openStarts[i]
            if case .loop = code[s] { return s }
            return endOf[s]
        }
        for (p, instruction) in code.enumerated() {
            let next = p + 1 < n ? [p + 1] : []
            switch instruction {
            case .block, .loop:
                openStarts.append(p)
                successors[p] = next
            case .if:
                openStarts.append(p)
                if alwaysTaken.contains(p) {
                    successors[p] = next
                } else {
                    successors[p] = next + [elseOf[p] >= 0 ? elseOf[p] + 1 : endOf[p]]
                }
            case .else:
                successors[p] = [endOf[ownerOf[p]]]
            case .end:
                openStarts.removeLast()
                successors[p] = next
            case .br(let d):
                successors[p] = target(d).map { [$0] } ?? []
            case .brIf(let d):
                successors[p] = next + (target(d).map { [$0] } ?? [])
            case .brTable(let targets, let defaultTarget):
                var set = Set<Int>()
                for d in targets + [defaultTarget] { if let t = target(d) { set.insert(t) } }
                successors[p] = Array(set)
            case .return, .unreachable:
                successors[p] = []
            default:
                successors[p] = next
            }
        }
        liveIn = [UInt64](repeating: 0, count: n * words)
        var out = [UInt64](repeating: 0, count: words)
        var changed = true
        while changed {
            changed = false
            var p = n - 1
            while p >= 0 {
                for w in 0..<words { out[w] = 0 }
                for s in successors[p] {
                    for w in 0..<words { out[w] |= liveIn[s * words + w] }
                }
                switch code[p] {
                case .localGet(let x): out[Int(x) >> 6] |= 1 << (UInt64(x) & 63)
                case .localSet(let x), .localTee(let x): out[Int(x) >> 6] &= ~(1 << (UInt64(x) & 63))
                default: break
                }
                for w in 0..<words where liveIn[p * words + w] != out[w] {
                    liveIn[p * words + w] = out[w]
                    changed = true
                }
                p -= 1
            }
        }
        self.successorsForQueries = successors
    }

    private let successorsForQueries: [[Int]]

    /// The locals live right after the instruction at `position` (indices, ascending).
    func liveAfter(_ position: Int) -> [Int] {
        var set = [UInt64](repeating: 0, count: words)
        for s in successorsForQueries[position] {
            for w in 0..<words { set[w] |= liveIn[s * words + w] }
        }
        var result: [Int] = []
        for w in 0..<words {
            var bits = set[w]
            while bits != 0 {
                let b = bits.trailingZeroBitCount
                result.append(w * 64 + b)
                bits &= bits - 1
            }
        }
        return result
    }
}
