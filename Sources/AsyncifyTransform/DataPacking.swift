// Zero bytes dropped from active data segments, as Binaryen's memory packing
// (part of the -O2 that emcc runs with `--asyncify`) does: a memory the module
// defines itself starts zeroed, so leading and trailing zeros, and runs of zeros
// longer than a segment header, need not be written. Only done when it cannot
// change what instantiation leaves in memory: memory 0 is the module's own, no
// segment is passive or addressed by `memory.init`/`data.drop` (no data count),
// every offset is a constant, and segments neither overlap (a later segment's
// zeros would overwrite an earlier one's bytes) nor reach past the initial size
// (dropping bytes must not turn a trapping instantiation into one that succeeds).

import WasmBinary

enum DataPacking {
    /// Zero runs at most this long stay inside a segment: splitting costs a new
    /// segment's header (flags, offset expression, length).
    static let splitThreshold = 8

    /// `module` with its active segments packed, or unchanged when packing is not safe.
    static func pack(_ module: inout Module) {
        guard module.dataCount == nil, let memory = module.memories.first, !module.data.isEmpty else {
            return
        }
        for entry in module.imports {
            if case .memory = entry.descriptor { return }
        }
        var placed: [(offset: UInt64, bytes: [UInt8], explicit: Bool)] = []
        for segment in module.data {
            guard case .active(0, let expression) = segment.mode, expression.count == 2,
                case .end = expression[1]
            else { return }
            switch expression[0] {
            case .i32Const(let k) where !memory.is64:
                placed.append((UInt64(UInt32(bitPattern: k)), segment.bytes, segment.hasExplicitMemoryIndex))
            case .i64Const(let k) where memory.is64 && k >= 0:
                placed.append((UInt64(k), segment.bytes, segment.hasExplicitMemoryIndex))
            default: return
            }
        }
        let limit = memory.min.multipliedReportingOverflow(by: 65536)
        let sorted = placed.sorted { $0.offset < $1.offset }
        var reached: UInt64 = 0
        for entry in sorted {
            let (end, overflow) = entry.offset.addingReportingOverflow(UInt64(entry.bytes.count))
            guard !overflow, !limit.overflow, entry.offset >= reached, end <= limit.partialValue else {
                return
            }
            reached = end
        }
        var packed: [DataSegment] = []
        for entry in placed {
            let bytes = entry.bytes
            var i = 0
            while i < bytes.count {
                while i < bytes.count && bytes[i] == 0 { i += 1 }
                guard i < bytes.count else { break }
                // A piece runs until a zero run longer than the threshold, or the end.
                var end = i
                var j = i
                while j < bytes.count {
                    if bytes[j] != 0 {
                        j += 1
                        end = j
                        continue
                    }
                    var k = j
                    while k < bytes.count && bytes[k] == 0 { k += 1 }
                    if k == bytes.count || k - j > splitThreshold { break }
                    j = k
                }
                let offset = entry.offset + UInt64(i)
                let constant: Instruction =
                    memory.is64 ? .i64Const(Int64(offset)) : .i32Const(Int32(bitPattern: UInt32(offset)))
                packed.append(
                    DataSegment(
                        mode: .active(memoryIndex: 0, offset: [constant, .end]), bytes: Array(bytes[i..<end]),
                        hasExplicitMemoryIndex: entry.explicit))
                i = end
            }
        }
        module.data = packed
    }
}
