// The text-format printer (disassembler). The output uses numeric indices
// only, explicit `(type N)` uses, and flat instructions, so that assembling
// it (e.g. `wat2wasm --enable-threads --enable-memory64`) gives back the
// same module. The text format cannot express a few binary encoding
// details; what `wat2wasm` then picks is listed at ``WatPrinter``.

/// Prints modules in the WebAssembly text format.
///
/// Assembling the output with `wat2wasm --enable-threads --enable-memory64`
/// (add `--no-check` for invalid modules) decodes to a module equal to the
/// original except for encoding choices that the text format leaves to the
/// assembler:
/// - custom sections are only listed in comments, empty sections not at all;
/// - the data count section is emitted by the assembler when the code uses
///   `memory.init` or `data.drop`;
/// - element segments: an explicit table index (flags 2 and 6) and the
///   expression form (flags 4-7) are chosen by the assembler (explicit index
///   only for a table other than 0, expressions only when some element is
///   not a `ref.func`); likewise an explicit memory index for data segments;
/// - a block type given by a type index whose type is `[] -> []` or
///   `[] -> [t]` is encoded in the short form;
/// - local declarations are regrouped into maximal runs of one type.
///
/// One thing is left out on purpose: a function with more than
/// ``maximumPrintedLocals`` locals gets a comment instead of its declarations.
public enum WatPrinter {
    /// Functions declaring more locals than this get a comment instead of their
    /// `(local ...)` declarations, which would otherwise spell out each one.
    public static let maximumPrintedLocals: UInt64 = 1 << 20

    /// The module in the text format, one field per line, ending with a newline.
    public static func print(_ module: Module) -> String {
        var printer = Printer(module: module)
        printer.printModule()
        return printer.output
    }
}

extension Module {
    /// The module in the text format; see ``WatPrinter/print(_:)``.
    public var wat: String { WatPrinter.print(self) }
}

private struct Printer {
    let module: Module
    var output = ""

    init(module: Module) {
        self.module = module
        output.reserveCapacity(1024 + module.codes.reduce(0) { $0 + $1.body.count * 16 })
    }

    mutating func line(_ indent: Int, _ text: String) {
        output += String(repeating: "  ", count: indent)
        output += text
        output += "\n"
    }

    mutating func printModule() {
        output += "(module\n"
        for (i, type) in module.types.enumerated() {
            line(1, "(type (;\(i);) (func\(signature(type))))")
        }
        var functionIndex = 0
        var tableIndex = 0
        var memoryIndex = 0
        var globalIndex = 0
        for entry in module.imports {
            let names = "\(WatLiteral.string(entry.module.utf8)) \(WatLiteral.string(entry.name.utf8))"
            switch entry.descriptor {
            case .function(let typeIndex):
                line(1, "(import \(names) (func (;\(functionIndex);) (type \(typeIndex))))")
                functionIndex += 1
            case .table(let type):
                line(1, "(import \(names) (table (;\(tableIndex);) \(tableType(type))))")
                tableIndex += 1
            case .memory(let type):
                line(1, "(import \(names) (memory (;\(memoryIndex);) \(memoryType(type))))")
                memoryIndex += 1
            case .global(let type):
                line(1, "(import \(names) (global (;\(globalIndex);) \(globalType(type))))")
                globalIndex += 1
            }
        }
        for (i, typeIndex) in module.functions.enumerated() {
            let code = i < module.codes.count ? module.codes[i] : FunctionBody(body: [.end])
            printFunction(index: functionIndex, typeIndex: typeIndex, code: code)
            functionIndex += 1
        }
        for type in module.tables {
            line(1, "(table (;\(tableIndex);) \(tableType(type)))")
            tableIndex += 1
        }
        for type in module.memories {
            line(1, "(memory (;\(memoryIndex);) \(memoryType(type)))")
            memoryIndex += 1
        }
        for global in module.globals {
            line(
                1, "(global (;\(globalIndex);) \(globalType(global.type)) \(expression(global.initializer)))")
            globalIndex += 1
        }
        for export in module.exports {
            let what: String
            switch export.descriptor {
            case .function(let x): what = "func \(x)"
            case .table(let x): what = "table \(x)"
            case .memory(let x): what = "memory \(x)"
            case .global(let x): what = "global \(x)"
            }
            line(1, "(export \(WatLiteral.string(export.name.utf8)) (\(what)))")
        }
        if let start = module.start { line(1, "(start \(start))") }
        for (i, segment) in module.elements.enumerated() { printElementSegment(segment, index: i) }
        for (i, segment) in module.data.enumerated() {
            var text = "(data (;\(i);) "
            if case .active(let memory, let offset) = segment.mode {
                text += "(memory \(memory)) (offset \(expression(offset))) "
            }
            text += WatLiteral.string(segment.bytes)
            line(1, text + ")")
        }
        // The text format has no custom sections; say what was there.
        for section in module.customSections {
            let place = section.after.map { "after the \($0.name) section" } ?? "before the known sections"
            // A ";" in the name is escaped too, so that it cannot open or close a comment.
            let name = String(
                WatLiteral.string(section.name.utf8).flatMap { $0 == ";" ? Array("\\3b") : [$0] })
            line(1, "(; custom section \(name), \(section.bytes.count) bytes, \(place) ;)")
        }
        output += ")\n"
    }

    func signature(_ type: FunctionType) -> String {
        var text = ""
        if !type.parameters.isEmpty {
            text += " (param \(type.parameters.map(\.description).joined(separator: " ")))"
        }
        if !type.results.isEmpty {
            text += " (result \(type.results.map(\.description).joined(separator: " ")))"
        }
        return text
    }

    func limits(_ limits: Limits) -> String {
        var text = "\(limits.min)"
        if let max = limits.max { text += " \(max)" }
        if limits.isShared { text += " shared" }
        return text
    }

    func tableType(_ type: TableType) -> String { "\(limits(type.limits)) \(type.elementType)" }

    func memoryType(_ type: MemoryType) -> String { (type.is64 ? "i64 " : "") + limits(type) }

    func globalType(_ type: GlobalType) -> String {
        type.isMutable ? "(mut \(type.valueType))" : "\(type.valueType)"
    }

    /// A constant expression without its final `end`, flat, e.g. `i32.const 0`.
    func expression(_ instructions: [Instruction]) -> String {
        var parts: [String] = []
        for (i, instruction) in instructions.enumerated() {
            if i == instructions.count - 1, case .end = instruction { break }
            parts.append(WatPrinter.text(of: instruction))
        }
        return parts.joined(separator: " ")
    }

    mutating func printElementSegment(_ segment: ElementSegment, index: Int) {
        var text = "(elem (;\(index);) "
        switch segment.mode {
        case .passive: break
        case .declarative: text += "declare "
        case .active(let table, let offset): text += "(table \(table)) (offset \(expression(offset))) "
        }
        switch segment.initializers {
        case .functionIndices(let indices):
            text += "func"
            for f in indices { text += " \(f)" }
        case .expressions(let expressions):
            text += "\(segment.type)"
            for e in expressions { text += " (item \(expression(e)))" }
        }
        line(1, text + ")")
    }

    mutating func printFunction(index: Int, typeIndex: UInt32, code: FunctionBody) {
        line(1, "(func (;\(index);) (type \(typeIndex))")
        // The text format has no repetition count for locals, and a 6-byte
        // binary declaration may ask for 2^32 - 1 of them: past a million the
        // declarations are left out (with a comment) rather than printed for hours.
        let total = code.locals.reduce(UInt64(0)) { $0 + UInt64($1.count) }
        if total > WatPrinter.maximumPrintedLocals {
            line(2, "(; \(total) locals not printed: more than \(WatPrinter.maximumPrintedLocals) ;)")
        } else {
            for group in code.locals where group.count > 0 {
                var text = "(local"
                for _ in 0..<group.count { text += " \(group.type)" }
                line(2, text + ")")
            }
        }
        var depth = 2
        for (i, instruction) in code.body.enumerated() {
            switch instruction {
            case .end:
                if i == code.body.count - 1 { break }
                depth = max(2, depth - 1)
                line(depth, "end")
            case .else:
                line(max(2, depth - 1), "else")
            case .block, .loop, .if:
                line(depth, WatPrinter.text(of: instruction))
                depth += 1
            default:
                line(depth, WatPrinter.text(of: instruction))
            }
        }
        line(1, ")")
    }
}
