// Which functions can change the Asyncify state, following Binaryen's
// ModuleAnalyzer: listed imports (all imports when there is no list) can; a
// defined function with an indirect call can unless indirect calls are
// ignored; callers of a function that can, can too (direct calls only), except
// through remove-listed functions; then the only-list overrides everything and
// the add-list adds.

import WasmBinary

struct CallGraphAnalysis {
    /// Number of imported functions (the first indices of the function index space).
    let importCount: Int
    /// `canChange[f]` for every function index, imports first.
    var canChange: [Bool]
    /// Per defined function: whether it is instrumented.
    var instrumented: [Bool]
    /// Per defined function: put there by the add- or only-list (its indirect calls then count
    /// even with `ignoreIndirect`, as in Binaryen).
    var addedFromList: [Bool]
    let ignoreIndirect: Bool
    /// Function names from the name section (by function index), for messages and lists.
    let names: [UInt32: String]

    init(module: Module, options: AsyncifyTransform.Options) throws(AsyncifyTransformError) {
        ignoreIndirect = options.ignoreIndirect
        names = NameSection.functionNames(module)
        var importNames: [(module: String, name: String)] = []
        for entry in module.imports {
            if case .function = entry.descriptor { importNames.append((entry.module, entry.name)) }
            if entry.module == "asyncify" {
                throw AsyncifyTransformError(
                    .alreadyInstrumented,
                    "the module imports asyncify.\(entry.name): in-module Asyncify runtimes are not supported; "
                        + "drive unwinding from the host instead")
            }
        }
        for export in module.exports where export.name.hasPrefix("asyncify_") {
            throw AsyncifyTransformError(
                .alreadyInstrumented,
                "the module already exports \(export.name): it looks instrumented already; pass the module "
                    + "as it was before its Asyncify pass")
        }
        importCount = importNames.count
        let total = importCount + module.codes.count
        canChange = [Bool](repeating: false, count: total)
        instrumented = [Bool](repeating: false, count: module.codes.count)
        addedFromList = instrumented

        if let list = options.asyncImports {
            var matchedAny = false
            for (i, entry) in importNames.enumerated() {
                let full = "\(entry.module).\(entry.name)"
                if list.contains(where: { Wildcard.matches($0, full) }) {
                    canChange[i] = true
                    matchedAny = true
                }
            }
            if !list.isEmpty && !matchedAny {
                throw AsyncifyTransformError(
                    .importListMatchesNothing,
                    "no function import matches the async import list (\(list.joined(separator: ","))); "
                        + "the module imports \(importNames.prefix(8).map { "\($0.module).\($0.name)" }.joined(separator: ", "))"
                        + (importNames.count > 8 ? ", ..." : "") + "; name them as module.name")
            }
        } else {
            for i in 0..<importCount { canChange[i] = true }
        }
        if !options.onlyList.isEmpty && (!options.removeList.isEmpty || !options.addList.isEmpty) {
            throw AsyncifyTransformError(
                .conflictingLists,
                "the only-list cannot be combined with the add- or remove-list; use one of them")
        }

        // Direct callers of each function, and the initial scan.
        var callers = [[Int]](repeating: [], count: total)
        for (defined, code) in module.codes.enumerated() {
            let f = importCount + defined
            var seen = Set<Int>()
            for instruction in code.body {
                switch instruction {
                case .call(let target):
                    // Bodies are validated after the analysis: skip a target that does not exist.
                    if Int(target) < callers.count, seen.insert(Int(target)).inserted {
                        callers[Int(target)].append(f)
                    }
                case .callIndirect:
                    if !options.ignoreIndirect { canChange[f] = true }
                default: break
                }
            }
        }
        let removed = try Self.match(
            options.removeList, names: names, importCount: importCount, count: total, list: "remove")
        let added = try Self.match(
            options.addList, names: names, importCount: importCount, count: total, list: "add")
        let only = try Self.match(
            options.onlyList, names: names, importCount: importCount, count: total, list: "only")
        for f in importCount..<total where removed[f] {
            if added[f] {
                throw AsyncifyTransformError(
                    .functionInAddAndRemoveList,
                    "function \(Self.describe(UInt32(f), names)) is in both the add-list and the remove-list; "
                        + "drop it from one", function: UInt32(f))
            }
            canChange[f] = false
        }
        func addFromList() {
            for f in importCount..<total where added[f] {
                canChange[f] = true
                addedFromList[f - importCount] = true
            }
        }
        if options.propagateAddList { addFromList() }
        // Propagate to direct callers (breadth first), never into or through remove-listed functions.
        var work = (0..<total).filter { canChange[$0] }
        while let f = work.popLast() {
            for caller in callers[f] where !canChange[caller] && !removed[caller] {
                canChange[caller] = true
                work.append(caller)
            }
        }
        if !options.onlyList.isEmpty {
            for f in importCount..<total {
                canChange[f] = only[f]
                addedFromList[f - importCount] = only[f]
            }
        }
        if !options.propagateAddList { addFromList() }
        for defined in 0..<module.codes.count { instrumented[defined] = canChange[importCount + defined] }
        if let start = module.start, Int(start) >= importCount, canChange[Int(start)] {
            throw AsyncifyTransformError(
                .unsupportedFeature,
                "the start function \(Self.describe(start, names)) may unwind, but nothing can resume a module "
                    + "while it is being instantiated; call it as an export instead, or put it in the remove-list",
                function: start)
        }
    }

    /// Whether the call instruction may unwind, seen from defined function `defined`.
    func mayUnwind(_ instruction: Instruction, inDefined defined: Int) -> Bool {
        switch instruction {
        case .call(let target): Int(target) < canChange.count && canChange[Int(target)]
        case .callIndirect: !ignoreIndirect || addedFromList[defined]
        default: false
        }
    }

    /// `$name` or `#index` for messages.
    static func describe(_ function: UInt32, _ names: [UInt32: String]) -> String {
        if let name = names[function] { return "$\(name) (#\(function))" }
        return "#\(function)"
    }

    /// Which defined functions a list names (name-section names, or decimal indices).
    private static func match(
        _ list: [String], names: [UInt32: String], importCount: Int, count: Int, list kind: String
    ) throws(AsyncifyTransformError) -> [Bool] {
        var result = [Bool](repeating: false, count: count)
        for pattern in list {
            var matched = false
            for f in importCount..<count {
                let name = names[UInt32(f)] ?? String(f)
                if Wildcard.matches(pattern, name) || pattern == String(f) {
                    result[f] = true
                    matched = true
                }
            }
            if !matched {
                throw AsyncifyTransformError(
                    .listEntryMatchesNothing,
                    "\(kind)-list entry '\(pattern)' names no defined function; use names from the module's "
                        + "name section (or function indices)")
            }
        }
        return result
    }
}

/// Binaryen's list patterns: `*` matches any run of characters.
enum Wildcard {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8)
        let t = Array(text.utf8)
        var pi = 0
        var ti = 0
        var star = -1
        var mark = 0
        while ti < t.count {
            if pi < p.count && p[pi] != UInt8(ascii: "*") && p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// Reads function names from the `name` custom section (subsection 1).
enum NameSection {
    static func functionNames(_ module: Module) -> [UInt32: String] {
        guard let section = module.customSections.first(where: { $0.name == "name" }) else { return [:] }
        var reader = LEBReader(bytes: section.bytes)
        var names: [UInt32: String] = [:]
        while !reader.atEnd {
            guard let id = reader.byte(), let size = reader.u32() else { return names }
            let end = reader.offset + Int(size)
            guard end <= section.bytes.count else { return names }
            if id == 1, let count = reader.u32() {
                for _ in 0..<count {
                    guard let index = reader.u32(), let name = reader.string() else { return names }
                    names[index] = name
                }
            }
            reader.offset = end
        }
        return names
    }

    struct LEBReader {
        let bytes: [UInt8]
        var offset = 0
        var atEnd: Bool { offset >= bytes.count }

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u32() -> UInt32? {
            var result: UInt32 = 0
            var shift: UInt32 = 0
            while let b = byte() {
                result |= UInt32(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
                if shift > 28 { return nil }
            }
            return nil
        }

        mutating func string() -> String? {
            guard let length = u32(), offset + Int(length) <= bytes.count else { return nil }
            defer { offset += Int(length) }
            return String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
        }
    }
}
