// The module encoder: the inverse of the decoder. Sections come out in the
// mandatory order, custom sections where `CustomSection.after` puts them,
// empty sections only when `emptySectionsPresent` asks for them, and every
// integer in its shortest LEB128 form. So for every decoded module
// `Module(decoding: m.encoded()) == m`, and for every canonical binary `b`
// `Module(decoding: b).encoded() == b`.

extension Module {
    /// The module in the WebAssembly binary format.
    ///
    /// Element and data segments use the flags form their
    /// ``ElementSegment/hasExplicitTableIndex`` and
    /// ``DataSegment/hasExplicitMemoryIndex`` ask for (an explicit form is
    /// also used whenever the short one cannot express the segment, e.g. a
    /// table index other than 0).
    ///
    /// - Returns: The bytes of a `.wasm` file.
    public func encoded() -> [UInt8] {
        var writer = WasmBytesWriter(capacity: 64)
        writer.append(contentsOf: [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00])
        appendCustomSections(after: nil, to: &writer)
        for id in Self.knownSectionsInOrder {
            appendSection(id, to: &writer)
            appendCustomSections(after: id, to: &writer)
        }
        return writer.bytes
    }

    /// Every known section id in the mandatory order (data count before code).
    private static let knownSectionsInOrder: [SectionID] = SectionID.allCases.filter { $0 != .custom }
        .sorted()

    private func appendCustomSections(after id: SectionID?, to writer: inout WasmBytesWriter) {
        for custom in customSections where custom.after == id {
            writer.appendSection(.custom) { w in
                w.appendName(custom.name)
                w.append(contentsOf: custom.bytes)
            }
        }
    }

    /// Appends a vector section if it has entries or was present while empty.
    private func appendVectorSection<T>(
        _ id: SectionID, _ items: [T], to writer: inout WasmBytesWriter,
        _ element: (inout WasmBytesWriter, T) -> Void
    ) {
        guard !items.isEmpty || emptySectionsPresent.contains(id) else { return }
        writer.appendSection(id) { w in
            w.appendULEB128(UInt64(items.count))
            for item in items { element(&w, item) }
        }
    }

    private func appendSection(_ id: SectionID, to writer: inout WasmBytesWriter) {
        switch id {
        case .custom:
            break
        case .type:
            appendVectorSection(id, types, to: &writer) { w, type in
                w.append(0x60)
                w.appendULEB128(UInt64(type.parameters.count))
                for t in type.parameters { w.append(t.rawValue) }
                w.appendULEB128(UInt64(type.results.count))
                for t in type.results { w.append(t.rawValue) }
            }
        case .import:
            appendVectorSection(id, imports, to: &writer) { w, entry in
                w.appendName(entry.module)
                w.appendName(entry.name)
                switch entry.descriptor {
                case .function(let typeIndex):
                    w.append(0x00)
                    w.appendULEB128(UInt64(typeIndex))
                case .table(let table):
                    w.append(0x01)
                    w.appendTableType(table)
                case .memory(let memory):
                    w.append(0x02)
                    w.appendLimits(memory)
                case .global(let global):
                    w.append(0x03)
                    w.appendGlobalType(global)
                }
            }
        case .function:
            appendVectorSection(id, functions, to: &writer) { w, typeIndex in
                w.appendULEB128(UInt64(typeIndex))
            }
        case .table:
            appendVectorSection(id, tables, to: &writer) { w, table in w.appendTableType(table) }
        case .memory:
            appendVectorSection(id, memories, to: &writer) { w, memory in w.appendLimits(memory) }
        case .global:
            appendVectorSection(id, globals, to: &writer) { w, global in
                w.appendGlobalType(global.type)
                w.emit(contentsOf: global.initializer)
            }
        case .export:
            appendVectorSection(id, exports, to: &writer) { w, entry in
                w.appendName(entry.name)
                switch entry.descriptor {
                case .function(let index):
                    w.append(0x00)
                    w.appendULEB128(UInt64(index))
                case .table(let index):
                    w.append(0x01)
                    w.appendULEB128(UInt64(index))
                case .memory(let index):
                    w.append(0x02)
                    w.appendULEB128(UInt64(index))
                case .global(let index):
                    w.append(0x03)
                    w.appendULEB128(UInt64(index))
                }
            }
        case .start:
            guard let start else { return }
            writer.appendSection(id) { w in w.appendULEB128(UInt64(start)) }
        case .element:
            appendVectorSection(id, elements, to: &writer) { w, segment in w.appendElementSegment(segment) }
        case .dataCount:
            guard let dataCount else { return }
            writer.appendSection(id) { w in w.appendULEB128(UInt64(dataCount)) }
        case .code:
            appendVectorSection(id, codes, to: &writer) { w, code in
                w.appendSized { body in
                    body.appendULEB128(UInt64(code.locals.count))
                    for group in code.locals {
                        body.appendULEB128(UInt64(group.count))
                        body.append(group.type.rawValue)
                    }
                    body.emit(contentsOf: code.body)
                }
            }
        case .data:
            appendVectorSection(id, data, to: &writer) { w, segment in
                switch segment.mode {
                case .passive:
                    w.append(0x01)
                case .active(let memory, let offset):
                    if memory == 0 && !segment.hasExplicitMemoryIndex {
                        w.append(0x00)
                    } else {
                        w.append(0x02)
                        w.appendULEB128(UInt64(memory))
                    }
                    w.emit(contentsOf: offset)
                }
                w.appendVector(segment.bytes)
            }
        }
    }
}

extension WasmBytesWriter {
    /// Appends limits: flags byte, minimum, optional maximum (u64 for 64-bit memories).
    public mutating func appendLimits(_ limits: Limits) {
        append(limits.flags)
        appendULEB128(limits.min)
        if let max = limits.max { appendULEB128(max) }
    }

    /// Appends a table type: reference type, then limits.
    public mutating func appendTableType(_ table: TableType) {
        append(table.elementType.rawValue)
        appendLimits(table.limits)
    }

    /// Appends a global type: value type, then mutability (0 or 1).
    public mutating func appendGlobalType(_ global: GlobalType) {
        append(global.valueType.rawValue)
        append(global.isMutable ? 1 : 0)
    }

    /// Appends an element segment in the flags form (0...7) its fields call for.
    public mutating func appendElementSegment(_ segment: ElementSegment) {
        let usesExpressions: Bool
        if case .expressions = segment.initializers {
            usesExpressions = true
        } else {
            usesExpressions = false
        }
        let expressionBit: UInt32 = usesExpressions ? 4 : 0
        // The element kind (flags 1-3) or reference type (flags 5-7) after the mode fields.
        let kindOrType: UInt8 = usesExpressions ? segment.type.rawValue : 0x00
        switch segment.mode {
        case .passive:
            appendULEB128(UInt64(1 | expressionBit))
            append(kindOrType)
        case .declarative:
            appendULEB128(UInt64(3 | expressionBit))
            append(kindOrType)
        case .active(let table, let offset):
            if table == 0 && !segment.hasExplicitTableIndex && segment.type == .funcref {
                appendULEB128(UInt64(0 | expressionBit))
                emit(contentsOf: offset)
            } else {
                appendULEB128(UInt64(2 | expressionBit))
                appendULEB128(UInt64(table))
                emit(contentsOf: offset)
                append(kindOrType)
            }
        }
        switch segment.initializers {
        case .functionIndices(let indices):
            appendULEB128(UInt64(indices.count))
            for index in indices { appendULEB128(UInt64(index)) }
        case .expressions(let expressions):
            appendULEB128(UInt64(expressions.count))
            for expression in expressions { emit(contentsOf: expression) }
        }
    }
}
