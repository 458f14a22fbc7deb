// Local coalescing for an instrumented body: locals of one type that are never
// live at the same time share one index. Instrumentation adds a local per
// operand-stack position, level and type; many hold copies of an original
// local or are live only between two instructions, and every one that is live
// after an unwinding call costs a frame slot (a load in the prelude and a
// store in the epilogue). Binaryen gets the same effect from its optimizer
// after `--asyncify`; the frames and bodies here are that much smaller.
//
// Correctness. Interference comes from liveness over normal execution (the
// rewind guards always entered), in which the values a rewind reloads count as
// read right after their call. A rewind runs differently: the prelude writes
// every frame local, then the code a rewind does not skip runs up to the
// interrupted call. So, besides the usual conflicts (a write conflicts with
// what is live after it, except the source of a copy):
// - on entry, every parameter and every frame local conflicts with what is
//   live there (the caller or the prelude writes it);
// - the locals one call's frame holds conflict with each other;
// - a local written where a rewind may pass (outside the guards a rewind skips,
//   and outside the code after a level's last call, which runs only once the
//   rewind is over) conflicts with every frame local, whose value the rewind
//   must carry to the call.

import WasmBinary

struct LocalCoalescing {
    /// New index of each old local; `UInt32.max` for a local the body never touches.
    let mapping: [UInt32]
    /// Types of the new locals, parameters first.
    let types: [ValueType]

    /// Above this many locals the interference matrix would cost more than it saves.
    static let maximumLocals = 4096

    /// Colors the locals of `code`.
    ///
    /// - Parameters:
    ///   - liveness: Liveness over normal execution, with the values rewinds reload read
    ///     right after their call.
    ///   - frameSets: Per unwinding call, the locals its frame must hold.
    ///   - rewindSkipped: Ranges of `code` a rewind never runs before reaching its call.
    ///   - pinned: Locals the prelude and epilogue use themselves; they keep their own
    ///     indices, moved after all others in the order given.
    init(
        code: [Instruction], localTypes: [ValueType], parameterCount: Int, liveness: Liveness,
        frameSets: [[Int]], rewindSkipped: [Range<Int>], pinned: [UInt32]
    ) {
        let n = localTypes.count
        let words = liveness.words
        // Flat bit sets (`words` words per local) and unsafe access: this runs for every
        // instrumented function, over every write in its body.
        var rows = [UInt64](repeating: 0, count: n * words)
        var used = [Bool](repeating: false, count: n)
        // Locals written at entry (parameters, and frame locals on a rewind) and locals a rewind
        // may write before it reaches its call.
        var entryWritten = [UInt64](repeating: 0, count: words)
        var rewindWritten = [UInt64](repeating: 0, count: words)
        var frameBits = [UInt64](repeating: 0, count: words)
        var live = [UInt64](repeating: 0, count: words)
        var oneFrame = [UInt64](repeating: 0, count: words)
        var skipped = [Bool](repeating: false, count: code.count)
        for range in rewindSkipped {
            for p in range { skipped[p] = true }
        }
        let entryLive = liveness.liveOnEntryBits()
        rows.withUnsafeMutableBufferPointer { rows in
            /// Adds edges between `x` and every local in `set`.
            func addEdges(_ x: Int, _ set: UnsafeMutableBufferPointer<UInt64>) {
                for w in 0..<words {
                    rows[x * words + w] |= set[w]
                    var bits = set[w]
                    while bits != 0 {
                        let b = w * 64 + bits.trailingZeroBitCount
                        rows[b * words + x >> 6] |= 1 << (UInt64(x) & 63)
                        bits &= bits - 1
                    }
                }
            }
            func insert(_ set: UnsafeMutableBufferPointer<UInt64>, _ x: Int) {
                set[x >> 6] |= 1 << (UInt64(x) & 63)
            }
            func clear(_ set: UnsafeMutableBufferPointer<UInt64>, _ x: Int) {
                set[x >> 6] &= ~(1 << (UInt64(x) & 63))
            }
            live.withUnsafeMutableBufferPointer { live in
                frameBits.withUnsafeMutableBufferPointer { frameBits in
                    entryWritten.withUnsafeMutableBufferPointer { entryWritten in
                        rewindWritten.withUnsafeMutableBufferPointer { rewindWritten in
                            oneFrame.withUnsafeMutableBufferPointer { oneFrame in
                                for set in frameSets {
                                    for x in set { insert(frameBits, x) }
                                }
                                for (p, instruction) in code.enumerated() {
                                    switch instruction {
                                    case .localGet(let x): used[Int(x)] = true
                                    case .localSet(let x), .localTee(let x):
                                        used[Int(x)] = true
                                        liveness.liveAfterBits(p, into: live)
                                        clear(live, Int(x))
                                        // A copy leaves both locals equal: they may share an index.
                                        if p > 0, case .localGet(let y) = code[p - 1] { clear(live, Int(y)) }
                                        addEdges(Int(x), live)
                                        if !skipped[p] { insert(rewindWritten, Int(x)) }
                                    default: break
                                    }
                                }
                                // Entry writes the parameters and (on a rewind) the frame locals.
                                for x in 0..<parameterCount { insert(entryWritten, x) }
                                for set in frameSets {
                                    for w in 0..<words { oneFrame[w] = 0 }
                                    for x in set {
                                        insert(entryWritten, x)
                                        insert(oneFrame, x)
                                    }
                                    // What one frame holds must stay distinct.
                                    for x in set { addEdges(x, oneFrame) }
                                }
                                func connect(
                                    _ members: UnsafeMutableBufferPointer<UInt64>, to others: [UInt64]
                                ) {
                                    for w in 0..<words {
                                        var bits = members[w]
                                        while bits != 0 {
                                            let x = w * 64 + bits.trailingZeroBitCount
                                            for v in 0..<words { live[v] = others[v] }
                                            clear(live, x)
                                            addEdges(x, live)
                                            bits &= bits - 1
                                        }
                                    }
                                }
                                connect(entryWritten, to: entryLive)
                                connect(rewindWritten, to: Array(frameBits))
                            }
                        }
                    }
                }
            }
        }

        // Greedy coloring in index order; parameters are colors of their own.
        let isPinned = Set(pinned.map(Int.init))
        var mapping = [UInt32](repeating: UInt32.max, count: n)
        var colorTypes: [ValueType] = []
        var colorRows: [UInt64] = []
        for x in 0..<n where x < parameterCount || (used[x] && !isPinned.contains(x)) {
            var color = -1
            if x >= parameterCount {
                for c in parameterCount..<colorTypes.count where colorTypes[c] == localTypes[x] {
                    if colorRows[c * words + x >> 6] & (1 << (UInt64(x) & 63)) == 0 {
                        color = c
                        break
                    }
                }
            }
            if color < 0 {
                color = colorTypes.count
                colorTypes.append(localTypes[x])
                colorRows += [UInt64](repeating: 0, count: words)
            }
            for w in 0..<words { colorRows[color * words + w] |= rows[x * words + w] }
            mapping[x] = UInt32(color)
        }
        for x in pinned {
            mapping[Int(x)] = UInt32(colorTypes.count)
            colorTypes.append(localTypes[Int(x)])
        }
        self.mapping = mapping
        types = colorTypes
    }

    /// Appends `code` with locals renumbered to `result`, dropping the copies coalescing made
    /// redundant (`local.get x; local.set x`) and fusing `local.set x; local.get x` into
    /// `local.tee x`.
    func appendRewritten(_ code: [Instruction], to result: inout [Instruction]) {
        // Never fuse with what `result` held before.
        let start = result.count
        for instruction in code {
            switch instruction {
            case .localGet(let x):
                let y = mapping[Int(x)]
                if result.count > start, case .localSet(y) = result[result.count - 1] {
                    result[result.count - 1] = .localTee(y)
                } else {
                    result.append(.localGet(y))
                }
            case .localSet(let x):
                let y = mapping[Int(x)]
                if result.count > start, case .localGet(y) = result[result.count - 1] {
                    result.removeLast()
                } else {
                    result.append(.localSet(y))
                }
            case .localTee(let x):
                let y = mapping[Int(x)]
                if result.count > start, case .localGet(y) = result[result.count - 1] { continue }
                result.append(.localTee(y))
            default:
                result.append(instruction)
            }
        }
    }
}
