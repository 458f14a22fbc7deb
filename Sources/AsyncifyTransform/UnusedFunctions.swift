// Removal of the defined functions left without callers once ``Inlining`` has
// copied them into their callers (Binaryen's `-O2` removes them too). A
// function the outside can reach is kept: exports, the start function, table
// elements, `ref.func` anywhere. Any other function without a call site goes,
// then those only it called (call sites are counted, so a dead cycle stays).
// Function indices after a removed one move down, so every reference is
// renumbered, the name section's included (function, local and label names
// are keyed by function index).

import WasmBinary

enum UnusedFunctions {
    /// Per defined function: whether the outside of the code can reach it.
    static func roots(of module: Module, importCount: Int, scanningBodies: Bool = true) -> [Bool] {
        var pinned = [Bool](repeating: false, count: module.codes.count)
        func pin(_ index: UInt32) {
            let i = Int(index) - importCount
            if i >= 0 && i < pinned.count { pinned[i] = true }
        }
        func pin(expression: [Instruction]) {
            for instruction in expression { if case .refFunc(let f) = instruction { pin(f) } }
        }
        for export in module.exports { if case .function(let f) = export.descriptor { pin(f) } }
        if let start = module.start { pin(start) }
        for segment in module.elements {
            switch segment.initializers {
            case .functionIndices(let indices): for f in indices { pin(f) }
            case .expressions(let expressions): for e in expressions { pin(expression: e) }
            }
        }
        for global in module.globals { pin(expression: global.initializer) }
        if scanningBodies { for code in module.codes { pin(expression: code.body) } }
        return pinned
    }

    /// The defined functions that are not roots and have no call site left, and then those
    /// only they called (ascending).
    static func dead(in module: Module, _ outcome: Inlining.Outcome) -> [Int] {
        let n = module.codes.count
        var count = outcome.callCount
        var reached = [Bool](repeating: true, count: n)
        var work = (0..<n).filter { count[$0] == 0 && !outcome.pinned[$0] }
        while let f = work.popLast() {
            reached[f] = false
            for instruction in module.codes[f].body {
                guard case .call(let target) = instruction else { continue }
                let callee = Int(target) - outcome.importCount
                guard callee >= 0 && callee < n && callee != f else { continue }
                count[callee] -= 1
                if count[callee] == 0 && !outcome.pinned[callee] { work.append(callee) }
            }
        }
        return reached.indices.filter { !reached[$0] }
    }

    /// Removes the defined functions `removed` (ascending), which nothing may call or
    /// reference, renumbering the others; returns false, removing nothing, when the name
    /// section does not parse.
    static func remove(_ removed: [Int], from module: inout Module, importCount: Int) -> Bool {
        guard !removed.isEmpty else { return true }
        let n = module.codes.count
        var reached = [Bool](repeating: true, count: n)
        for f in removed { reached[f] = false }

        // New index of every function index (imports keep theirs).
        var newIndex = [UInt32](repeating: UInt32.max, count: importCount + n)
        var next = UInt32(0)
        for f in 0..<importCount + n where f < importCount || reached[f - importCount] {
            newIndex[f] = next
            next += 1
        }
        var nameSection: (position: Int, bytes: [UInt8])?
        if let position = module.customSections.firstIndex(where: { $0.name == "name" }) {
            guard let bytes = renumberNames(module.customSections[position].bytes, newIndex) else {
                return false
            }
            nameSection = (position, bytes)
        }
        if let (position, bytes) = nameSection { module.customSections[position].bytes = bytes }

        func renumber(_ f: UInt32) -> UInt32 { Int(f) < newIndex.count ? newIndex[Int(f)] : f }
        func renumber(expression: [Instruction]) -> [Instruction] {
            expression.map { instruction in
                if case .refFunc(let f) = instruction { return .refFunc(renumber(f)) }
                return instruction
            }
        }
        var codes: [FunctionBody] = []
        var functions: [UInt32] = []
        codes.reserveCapacity(n - removed.count)
        functions.reserveCapacity(n - removed.count)
        let firstRemoved = UInt32(importCount + removed[0])
        for f in 0..<n where reached[f] {
            var code = module.codes[f]
            if code.body.contains(where: {
                switch $0 {
                case .call(let target), .refFunc(let target): target > firstRemoved
                default: false
                }
            }) {
                code.body = code.body.map { instruction in
                    switch instruction {
                    case .call(let target): .call(functionIndex: renumber(target))
                    case .refFunc(let target): .refFunc(renumber(target))
                    default: instruction
                    }
                }
            }
            codes.append(code)
            functions.append(module.functions[f])
        }
        module.codes = codes
        module.functions = functions
        for i in module.exports.indices {
            if case .function(let f) = module.exports[i].descriptor {
                module.exports[i].descriptor = .function(renumber(f))
            }
        }
        if let start = module.start { module.start = renumber(start) }
        for i in module.elements.indices {
            switch module.elements[i].initializers {
            case .functionIndices(let indices):
                module.elements[i].initializers = .functionIndices(indices.map(renumber))
            case .expressions(let expressions):
                module.elements[i].initializers = .expressions(expressions.map { renumber(expression: $0) })
            }
        }
        for i in module.globals.indices {
            module.globals[i].initializer = renumber(expression: module.globals[i].initializer)
        }
        return true
    }

    /// The name section with function, local and label names renumbered (entries of removed
    /// functions dropped), or nil when it does not parse.
    static func renumberNames(_ bytes: [UInt8], _ newIndex: [UInt32]) -> [UInt8]? {
        var reader = NameSection.LEBReader(bytes: bytes)
        var out: [UInt8] = []
        while !reader.atEnd {
            guard let id = reader.byte(), let size = reader.u32() else { return nil }
            let start = reader.offset
            let end = start + Int(size)
            guard end <= bytes.count else { return nil }
            guard id == 1 || id == 2 || id == 3 else {
                out.append(id)
                appendU32(UInt32(size), to: &out)
                out += bytes[start..<end]
                reader.offset = end
                continue
            }
            guard let count = reader.u32() else { return nil }
            var entries: [UInt8] = []
            var kept: UInt32 = 0
            for _ in 0..<count {
                guard let index = reader.u32() else { return nil }
                let entryStart = reader.offset
                if id == 1 {
                    guard reader.string() != nil else { return nil }
                } else {
                    guard let inner = reader.u32() else { return nil }
                    for _ in 0..<inner {
                        guard reader.u32() != nil, reader.string() != nil else { return nil }
                    }
                }
                guard reader.offset <= end else { return nil }
                guard Int(index) < newIndex.count else { return nil }
                if newIndex[Int(index)] != UInt32.max {
                    appendU32(newIndex[Int(index)], to: &entries)
                    entries += bytes[entryStart..<reader.offset]
                    kept += 1
                }
            }
            guard reader.offset == end else { return nil }
            var payload: [UInt8] = []
            appendU32(kept, to: &payload)
            payload += entries
            out.append(id)
            appendU32(UInt32(payload.count), to: &out)
            out += payload
        }
        return out
    }

    private static func appendU32(_ value: UInt32, to out: inout [UInt8]) {
        var v = value
        repeat {
            let byte = UInt8(v & 0x7F)
            v >>= 7
            out.append(v == 0 ? byte : byte | 0x80)
        } while v != 0
    }
}
