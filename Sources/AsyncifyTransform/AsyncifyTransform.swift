// Asyncify instrumentation (Binaryen's `--asyncify` pass, same ABI), in Swift.
//
// The protocol. A module gets two globals, `__asyncify_state` (i32: 0 normal,
// 1 unwinding, 2 rewinding) and `__asyncify_data` (a pointer, i32 or i64 as
// memory 0's addresses), and five exports: `asyncify_start_unwind(data)`,
// `asyncify_stop_unwind()`, `asyncify_start_rewind(data)`,
// `asyncify_stop_rewind()`, `asyncify_get_state()`. `data` points at a
// header `{position, end}` (u32 each on wasm32, u64 on wasm64) followed by a
// stack area that grows upward.
//
// Every function that can reach an async import is instrumented:
//
//     if state == rewinding { pop this function's frame: the call index and
//                             the saved locals }
//     block $unwind (result i32)
//       block $body                      ;; the original body; its label is
//         ... normal code ...            ;; the function's, so no branch
//         call $may_unwind               ;; depth changes
//         if state != normal { br $unwind with the call index }
//         ...
//       end
//       return
//     end
//     push the frame [i32 call index][live locals, ascending index]; return zeros
//
// On a rewind the function is entered again from the top and must reach the
// interrupted call without re-running anything before it. Code between two
// possibly-unwinding calls runs under `if state == normal`; a call (or a
// block containing calls) that a later call may be the target of runs under
// `if state == normal || index < end-of-its-range`. The operand stack is the
// difficulty Binaryen avoids by flattening the whole function first: here
// only the values that are on the stack at an instrumented call or block are
// moved to locals (one per stack position, level and type), and only those
// that a rewind has to see again become part of the frame. The frame holds
// exactly the locals that are live after some instrumented call plus the
// stack values the rewind path reloads.
//
// Beyond Binaryen: the frame push checks `position + size <= end` before
// writing anything, and on overflow stores the position it would have
// reached and traps, so the host can report the bytes needed; memory64
// modules are instrumented with 64-bit headers.

import WasmBinary

/// Instruments a WebAssembly module for Asyncify, the way Binaryen's
/// `wasm-opt --asyncify` does, keeping its ABI exactly.
///
/// ```swift
/// var options = AsyncifyTransform.Options()
/// options.asyncImports = ["env.sleep"]
/// let instrumented = try AsyncifyTransform.instrument(module, options: options)
/// ```
public enum AsyncifyTransform {
    /// Which functions to instrument and how; each field mirrors one of Binaryen's `asyncify-*` pass arguments.
    public struct Options: Sendable, Equatable {
        /// Imports that may unwind, as `module.name` (`asyncify-imports`); an entry
        /// ending in `*` matches a prefix. `nil`: every import may unwind.
        public var asyncImports: [String]?
        /// Whether indirect calls are assumed never to unwind (`asyncify-ignore-indirect`).
        public var ignoreIndirect: Bool
        /// Only these functions are instrumented (`asyncify-onlylist`); names from the name section.
        public var onlyList: [String]
        /// These functions are never instrumented, and do not make their callers so (`asyncify-removelist`).
        public var removeList: [String]
        /// These functions are instrumented in any case (`asyncify-addlist`).
        public var addList: [String]
        /// Whether callers of add-listed functions are instrumented too (`asyncify-propagate-addlist`).
        public var propagateAddList: Bool
        /// Whether a frame push checks the buffer end before writing (Binaryen checks only in
        /// the start/stop exports, after an overflow has written past the buffer).
        public var checksOverflow: Bool
        /// The most locals an instrumented function may end up with (engines refuse more than 50,000).
        public var maximumLocals: Int
        /// The largest frame, in bytes, one instrumented function may push.
        public var maximumFrameSize: Int
        /// Whether to trap when the state changes where the analysis said it cannot
        /// (`asyncify-asserts`): after every call in a function that is not instrumented
        /// (the state must be what it was on entry), and after every call an instrumented
        /// function assumes cannot unwind (the state must still be normal).
        public var asserts: Bool
        /// Whether zero bytes are dropped from data segments where that cannot change the
        /// initial memory (Binaryen's memory packing, part of the `-O2` emcc runs with the pass).
        public var packsData: Bool
        /// Whether functions called from one place only, and one-instruction functions, are
        /// copied into their callers (and then removed) before the analysis, as Binaryen's `-O2`
        /// does before emcc's `--asyncify`. Never done when a function list is given.
        public var inlines: Bool
        /// Whether `br_if` and `if` on constants (and i32 comparisons of constants before them)
        /// are folded, and the code they make unreachable dropped, before the analysis, as
        /// Binaryen's `-O2` does before emcc's `--asyncify`: a dead indirect call no longer makes
        /// its function possibly unwinding.
        public var foldsConstantBranches: Bool

        /// Binaryen's defaults (every import and indirect call may unwind), with overflow checks.
        public init(
            asyncImports: [String]? = nil, ignoreIndirect: Bool = false, onlyList: [String] = [],
            removeList: [String] = [], addList: [String] = [], propagateAddList: Bool = false,
            checksOverflow: Bool = true, maximumLocals: Int = 50_000, maximumFrameSize: Int = 1 << 20,
            asserts: Bool = false, packsData: Bool = true, inlines: Bool = true,
            foldsConstantBranches: Bool = true
        ) {
            self.asyncImports = asyncImports
            self.ignoreIndirect = ignoreIndirect
            self.onlyList = onlyList
            self.removeList = removeList
            self.addList = addList
            self.propagateAddList = propagateAddList
            self.checksOverflow = checksOverflow
            self.maximumLocals = maximumLocals
            self.maximumFrameSize = maximumFrameSize
            self.asserts = asserts
            self.packsData = packsData
            self.inlines = inlines
            self.foldsConstantBranches = foldsConstantBranches
        }

        /// Reads one list argument the way Binaryen does: entries separated by commas or
        /// newlines, or, when `argument` starts with `@`, the entries of the file it names
        /// (a response file).
        ///
        /// - Throws: ``AsyncifyTransformError`` with ``AsyncifyTransformError/Reason/listFileUnreadable``
        ///   when the file cannot be read.
        public static func readList(_ argument: String) throws(AsyncifyTransformError) -> [String] {
            var text = argument
            if argument.hasPrefix("@") {
                let path = String(argument.dropFirst())
                guard let contents = ListFile.read(path) else {
                    throw AsyncifyTransformError(
                        .listFileUnreadable, "cannot read the list file '\(path)'; check the path after '@'")
                }
                text = contents
            }
            // `\r\n` is one Character, which `isNewline` covers.
            return text.split(whereSeparator: { $0 == "," || $0.isNewline }).compactMap { entry in
                guard let first = entry.firstIndex(where: { !$0.isWhitespace }),
                    let last = entry.lastIndex(where: { !$0.isWhitespace })
                else { return nil }
                return String(entry[first...last])
            }
        }
    }

    /// Instruments `module`.
    ///
    /// - Parameters:
    ///   - module: A valid module with a linear memory.
    ///   - options: Which imports may unwind, and Binaryen's lists.
    /// - Returns: The module with the Asyncify globals, exports and instrumented functions.
    /// - Throws: ``AsyncifyTransformError`` when the module is invalid, a list names nothing,
    ///   or a function cannot be instrumented (the message names it and says what to do).
    public static func instrument(_ module: Module, options: Options = Options())
        throws(AsyncifyTransformError)
        -> Module
    {
        try instrument(module, options: options) { codes, defined, body in codes[defined] = body }.module
    }

    /// The pass; each body it changes goes through `replace` (which stores it in the codes array
    /// it is given, or encodes it there and then) as soon as it is made. `inlined`: whether
    /// inlining changed bodies or moved functions before instrumentation, so that bodies left
    /// alone may no longer be the input's at the same index.
    static func instrument(
        _ module: Module, options: Options,
        replace: (inout [FunctionBody], Int, FunctionBody) -> Void
    ) throws(AsyncifyTransformError) -> (module: Module, inlined: Bool) {
        var module = module
        var inlined = false
        // The module's definitions first (the analysis relies on them), then the bodies the
        // pass does not instrument: the typer validates the others as it types them, so no
        // body is validated twice.
        func validate(_ module: Module, skipping skipped: [Bool]) throws(AsyncifyTransformError) {
            do {
                try Validator.validate(module, skippingBodies: skipped)
            } catch {
                throw AsyncifyTransformError(
                    .invalidModule, "the input module does not validate: \(error); fix or rebuild it first")
            }
        }
        try validate(module, skipping: [Bool](repeating: true, count: module.codes.count))
        if options.foldsConstantBranches { _ = ConstantBranches.run(&module) }
        if options.inlines && options.onlyList.isEmpty && options.removeList.isEmpty
            && options.addList.isEmpty
        {
            let before = try CallGraphAnalysis(module: module, options: options)
            if let outcome = Inlining.run(&module, analysis: before) {
                inlined = true
                let dead = UnusedFunctions.dead(in: module, outcome)
                // A removed body that was copied nowhere is validated nowhere else.
                var skipped = [Bool](repeating: true, count: module.codes.count)
                for f in dead where !outcome.spliced[f] { skipped[f] = false }
                if skipped.contains(false) { try validate(module, skipping: skipped) }
                _ = UnusedFunctions.remove(dead, from: &module, importCount: outcome.importCount)
            }
        }
        let analysis = try CallGraphAnalysis(module: module, options: options)
        try validate(module, skipping: analysis.instrumented)
        let runtime = try RuntimeLayout(module: &module)
        var typer: FunctionTyper
        do {
            typer = try FunctionTyper(module)
        } catch {
            throw AsyncifyTransformError(.invalidModule, "the input module does not validate: \(error)")
        }
        var types = TypeTable(module.types)
        // The new bodies go to their own array: assigning into `module.codes` while the typer
        // and the instrumenters share the module's storage would copy every body each time.
        var codes = module.codes
        for defined in 0..<codes.count {
            if analysis.instrumented[defined] {
                var instrumenter = try FunctionInstrumenter(
                    module: module, definedIndex: defined, analysis: analysis, runtime: runtime,
                    typer: &typer, options: options)
                replace(&codes, defined, try instrumenter.run(types: &types))
            } else if options.asserts {
                replace(
                    &codes, defined,
                    Asserts.uninstrumented(
                        module.codes[defined],
                        parameterCount: module.types[Int(module.functions[defined])].parameters.count,
                        stateGlobal: runtime.stateGlobal))
            }
        }
        if analysis.instrumented.contains(true) {
            for helper in runtime.helpers(checksOverflow: options.checksOverflow) {
                module.functions.append(types.index(of: helper.type))
                codes.append(helper.body)
            }
        }
        module.codes = codes
        module.types = types.types
        runtime.addExports(to: &module)
        if options.packsData { DataPacking.pack(&module) }
        return (module, inlined)
    }

    /// Decodes, instruments and re-encodes a binary module.
    ///
    /// - Throws: ``AsyncifyTransformError`` (``AsyncifyTransformError/Reason/invalidModule``
    ///   when the bytes do not decode).
    public static func instrument(bytes: [UInt8], options: Options = Options()) throws(AsyncifyTransformError)
        -> [UInt8]
    {
        let module: Module
        do {
            module = try Module(decoding: bytes)
        } catch {
            throw AsyncifyTransformError(
                .invalidModule, "the input does not decode as a Wasm module: \(error)")
        }
        // The code section is written here rather than by `Module.encoded()`: each new body is
        // encoded as soon as it is made (its instructions are freed right away, not held to the
        // end), and a body the pass leaves alone is copied from the input as it was.
        let inputRanges = CodeSection.bodies(in: bytes, count: module.codes.count)
        var encoded = [[UInt8]?](repeating: nil, count: module.codes.count)
        var (result, inlined) = try instrument(module, options: options) { codes, defined, body in
            // Inlining may have changed the count; grow rather than trust it.
            if defined >= encoded.count {
                encoded += [[UInt8]?](repeating: nil, count: defined + 1 - encoded.count)
            }
            encoded[defined] = CodeSection.encode(body)
            codes[defined] = CodeSection.placeholder
        }
        let inputBodies = inlined ? nil : inputRanges
        var contents: [UInt8] = []
        contents.reserveCapacity(bytes.count * 2)
        CodeSection.appendLEB(result.codes.count, to: &contents)
        for (f, code) in result.codes.enumerated() {
            if f < encoded.count, let body = encoded[f] {
                CodeSection.appendLEB(body.count, to: &contents)
                contents += body
            } else if f < encoded.count, let inputBodies {
                CodeSection.appendLEB(inputBodies[f].count, to: &contents)
                contents += bytes[inputBodies[f]]
            } else {
                let body = CodeSection.encode(code)
                CodeSection.appendLEB(body.count, to: &contents)
                contents += body
            }
        }
        result.codes = [FunctionBody](repeating: CodeSection.placeholder, count: result.codes.count)
        return CodeSection.replace(in: result.encoded(), contents: contents)
    }
}

/// The module's type section, with lookups for the block types instrumentation adds.
struct TypeTable {
    var types: [FunctionType]
    private var index: [FunctionType: UInt32] = [:]

    init(_ types: [FunctionType]) {
        self.types = types
        for (i, t) in types.enumerated() where index[t] == nil { index[t] = UInt32(i) }
    }

    /// The block type `[] -> results`.
    mutating func blockType(results: [ValueType]) -> BlockType {
        switch results.count {
        case 0: return .empty
        case 1: return .value(results[0])
        default:
            let type = FunctionType(parameters: [], results: results)
            if let i = index[type] { return .typeIndex(i) }
            let i = UInt32(types.count)
            types.append(type)
            index[type] = i
            return .typeIndex(i)
        }
    }

    /// The index of a function type, added if missing.
    mutating func index(of type: FunctionType) -> UInt32 {
        if let i = index[type] { return i }
        let i = UInt32(types.count)
        types.append(type)
        index[type] = i
        return i
    }

    /// The parameter and result types of a block type.
    func signature(_ type: BlockType) -> (parameters: [ValueType], results: [ValueType]) {
        switch type {
        case .empty: ([], [])
        case .value(let t): ([], [t])
        case .typeIndex(let i): (types[Int(i)].parameters, types[Int(i)].results)
        }
    }
}
