// Backward liveness of locals over an instrumented body (structured control
// flow, one node per instruction). The instrumenter asks which locals are live
// right after each possibly-unwinding call: those, plus the stack values the
// rewind path reloads (given as extra uses right after the call), are what the
// function's frame must hold. Local coalescing asks what is live after each
// write.

import WasmBinary

struct Liveness {
    /// Words per local set.
    let words: Int
    private let liveIn: [UInt64]

    /// Computes liveness for `code` (a function body without its final `end`).
    ///
    /// - Parameters:
    ///   - alwaysTaken: Positions of `if`s that normal execution always enters (the rewind
    ///     guards), ascending: their skip edge does not exist while the function runs normally.
    ///   - extraUses: Locals read at a position besides what its instruction reads.
    init(
        _ code: [Instruction], localCount: Int, alwaysTaken: [Int],
        extraUses: [(position: Int, locals: [UInt32])] = []
    ) {
        words = max(1, (localCount + 63) / 64)
        let n = code.count
        // Structure: matching else/end of each construct, and the construct stack at branches.
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
        // Successors in one flat array (`successors[successorStart[p]..<successorStart[p + 1]]`):
        // no allocation per instruction, which dominated the pass on large modules.
        var successorStart = [Int32](repeating: 0, count: n + 1)
        // Per position, the local it reads (x + 1) or writes (-(x + 1)), 0 for neither: the
        // passes below then never look at an `Instruction` again.
        var effect = [Int32](repeating: 0, count: n)
        var successors: [Int32] = []
        successors.reserveCapacity(n + n / 4)
        var nextTaken = 0
        for (p, instruction) in code.enumerated() {
            successorStart[p] = Int32(successors.count)
            let hasNext = p + 1 < n
            switch instruction {
            case .block, .loop:
                openStarts.append(p)
                if hasNext { successors.append(Int32(p + 1)) }
            case .if:
                openStarts.append(p)
                if hasNext { successors.append(Int32(p + 1)) }
                while nextTaken < alwaysTaken.count && alwaysTaken[nextTaken] < p { nextTaken += 1 }
                if nextTaken == alwaysTaken.count || alwaysTaken[nextTaken] != p {
                    successors.append(Int32(elseOf[p] >= 0 ? elseOf[p] + 1 : endOf[p]))
                }
            case .else:
                successors.append(Int32(endOf[ownerOf[p]]))
            case .end:
                openStarts.removeLast()
                if hasNext { successors.append(Int32(p + 1)) }
            case .br(let d):
                if let t = target(d) { successors.append(Int32(t)) }
            case .brIf(let d):
                if hasNext { successors.append(Int32(p + 1)) }
                if let t = target(d) { successors.append(Int32(t)) }
            case .brTable(let targets, let defaultTarget):
                let first = successors.count
                for d in targets + [defaultTarget] {
                    guard let t = target(d) else { continue }
                    if !successors[first...].contains(Int32(t)) { successors.append(Int32(t)) }
                }
            case .return, .unreachable:
                break
            case .localGet(let x):
                effect[p] = Int32(x) + 1
                if hasNext { successors.append(Int32(p + 1)) }
            case .localSet(let x), .localTee(let x):
                effect[p] = -(Int32(x) + 1)
                if hasNext { successors.append(Int32(p + 1)) }
            default:
                if hasNext { successors.append(Int32(p + 1)) }
            }
        }
        successorStart[n] = Int32(successors.count)
        let words = self.words
        // Extra uses as per-position bit sets (an empty array when there are none).
        var extraAt: [Int32] = []
        var extraBits: [UInt64] = []
        if !extraUses.isEmpty {
            extraAt = [Int32](repeating: -1, count: n)
            for use in extraUses where use.position < n {
                var slot = Int(extraAt[use.position])
                if slot < 0 {
                    slot = extraBits.count / words
                    extraAt[use.position] = Int32(slot)
                    extraBits += [UInt64](repeating: 0, count: words)
                }
                for x in use.locals { extraBits[slot * words + Int(x) >> 6] |= 1 << (UInt64(x) & 63) }
            }
        }
        // One backward pass, from empty sets up to the least fixed point. Only a branch back to
        // a loop reads a set before the pass has computed it; when the loop's set then changes,
        // the loop's body runs again (inner loops settle first), so loop-free code is visited
        // once and the rest of the function is not revisited for a loop's sake.
        var liveIn = [UInt64](repeating: 0, count: n * words)
        var readEarly = [Bool](repeating: false, count: n)
        liveIn.withUnsafeMutableBufferPointer { live in
            successors.withUnsafeBufferPointer { successors in
                successorStart.withUnsafeBufferPointer { successorStart in
                    effect.withUnsafeBufferPointer { effect in
                        readEarly.withUnsafeMutableBufferPointer { readEarly in
                            if words == 1 {
                                // Most functions have fewer than 64 locals: one word, in a register.
                                var p = n - 1
                                while p >= 0 {
                                    var out: UInt64 = 0
                                    for k in Int(successorStart[p])..<Int(successorStart[p + 1]) {
                                        let t = Int(successors[k])
                                        if t <= p { readEarly[t] = true }
                                        out |= live[t]
                                    }
                                    let e = effect[p]
                                    if e > 0 {
                                        out |= 1 << (UInt64(e - 1) & 63)
                                    } else if e < 0 {
                                        out &= ~(1 << (UInt64(-e - 1) & 63))
                                    }
                                    if !extraAt.isEmpty, extraAt[p] >= 0 { out |= extraBits[Int(extraAt[p])] }
                                    let changed = live[p] != out
                                    live[p] = out
                                    if readEarly[p] {
                                        readEarly[p] = false
                                        if changed {
                                            p = endOf[p]
                                            continue
                                        }
                                    }
                                    p -= 1
                                }
                                return
                            }
                            var out = [UInt64](repeating: 0, count: words)
                            var p = n - 1
                            while p >= 0 {
                                for w in 0..<words { out[w] = 0 }
                                for k in Int(successorStart[p])..<Int(successorStart[p + 1]) {
                                    let t = Int(successors[k])
                                    if t <= p { readEarly[t] = true }
                                    let s = t * words
                                    for w in 0..<words { out[w] |= live[s + w] }
                                }
                                let e = effect[p]
                                if e > 0 {
                                    let x = Int(e) - 1
                                    out[x >> 6] |= 1 << (UInt64(x) & 63)
                                } else if e < 0 {
                                    let x = Int(-e) - 1
                                    out[x >> 6] &= ~(1 << (UInt64(x) & 63))
                                }
                                if !extraAt.isEmpty, extraAt[p] >= 0 {
                                    let e = Int(extraAt[p]) * words
                                    for w in 0..<words { out[w] |= extraBits[e + w] }
                                }
                                let base = p * words
                                var changed = false
                                for w in 0..<words where live[base + w] != out[w] {
                                    live[base + w] = out[w]
                                    changed = true
                                }
                                if readEarly[p] {
                                    readEarly[p] = false
                                    if changed {
                                        p = endOf[p]
                                        continue
                                    }
                                }
                                p -= 1
                            }
                        }
                    }
                }
            }
        }
        self.liveIn = liveIn
        self.successorStart = successorStart
        self.successors = successors
    }

    private let successorStart: [Int32]
    private let successors: [Int32]

    /// The locals live right after the instruction at `position`, as a bit set (`words` words).
    func liveAfterBits(_ position: Int, into set: UnsafeMutableBufferPointer<UInt64>) {
        let words = self.words
        for w in 0..<words { set[w] = 0 }
        liveIn.withUnsafeBufferPointer { liveIn in
            successors.withUnsafeBufferPointer { successors in
                for k in Int(successorStart[position])..<Int(successorStart[position + 1]) {
                    let s = Int(successors[k]) * words
                    for w in 0..<words { set[w] |= liveIn[s + w] }
                }
            }
        }
    }

    /// The locals live on entry (before the first instruction), as a bit set.
    func liveOnEntryBits() -> [UInt64] {
        liveIn.isEmpty ? [UInt64](repeating: 0, count: words) : Array(liveIn[0..<words])
    }

    /// The locals live right after the instruction at `position` (indices, ascending).
    func liveAfter(_ position: Int) -> [Int] {
        var set = [UInt64](repeating: 0, count: words)
        set.withUnsafeMutableBufferPointer { liveAfterBits(position, into: $0) }
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
