// `asyncify spec --compile-stats [--engine E] [path...]`: how fast an engine
// prepares code, in MB of code section per second. Every .wasm under the
// paths (default: the spec suite) that decodes, validates and instantiates
// with dummy imports is prepared whole (`Instance.precompile`: the native
// tier's compile, translation included, or the interpreter's translation);
// only that step is timed.

import Foundation
import WasmBinary
import WasmInterpreter
import WasmSpec

enum CompileStats {
    struct Totals {
        var modules = 0
        var skipped = 0
        var codeBytes = 0
        var seconds = 0.0
        var largest = (name: "", codeBytes: 0, seconds: 0.0)

        var megabytesPerSecond: Double { seconds > 0 ? Double(codeBytes) / 1e6 / seconds : 0 }
    }

    static func main(paths: [String], engine: Store.Engine) -> Int32 {
        let roots = paths.isEmpty ? [SpecSuiteLocation.directory(explicit: nil)] : paths
        var all = Totals()
        let name =
            switch engine {
            case .native: "native compile"
            case .interpreter: "interpreter translation"
            case .automatic: "automatic engine"
            }
        for root in roots {
            let totals = measure(files(root), engine: engine)
            print(line(root, totals, name))
            all.modules += totals.modules
            all.skipped += totals.skipped
            all.codeBytes += totals.codeBytes
            all.seconds += totals.seconds
        }
        if roots.count > 1 { print(line("total", all, name)) }
        return all.modules > 0 ? 0 : 1
    }

    static func line(_ label: String, _ t: Totals, _ engine: String) -> String {
        var text =
            "compile-stats \(label): \(t.modules) modules (\(t.skipped) skipped), "
            + String(
                format: "%.1f KiB of code section in %.1f ms: %.1f MB/s (%@)", Double(t.codeBytes) / 1024,
                t.seconds * 1000, t.megabytesPerSecond, engine)
        if t.largest.codeBytes > 0 {
            text += String(
                format: "; largest %@ %.1f KiB: %.1f MB/s", t.largest.name,
                Double(t.largest.codeBytes) / 1024,
                Double(t.largest.codeBytes) / 1e6 / max(t.largest.seconds, 1e-9))
        }
        return text
    }

    /// The .wasm files at `path` (a file, or a directory searched recursively), sorted.
    static func files(_ path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".wasm") { found.append((path as NSString).appendingPathComponent(item)) }
        }
        return found.sorted()
    }

    static func measure(_ files: [String], engine: Store.Engine) -> Totals {
        var totals = Totals()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let bytes = [UInt8](data)
            guard let codeBytes = codeSectionSize(bytes), codeBytes > 0,
                let module = try? Module(decoding: bytes), (try? Validator.validate(module)) != nil
            else {
                totals.skipped += 1
                continue
            }
            let store = Store(configuration: .init(engine: engine))
            guard let imports = dummyImports(module, store),
                let instance = try? Instance(module: module, store: store, imports: imports)
            else {
                totals.skipped += 1
                continue
            }
            let start = ContinuousClock.now
            do {
                try instance.precompile()
            } catch {
                print("compile-stats: \(file): \(error)")
                totals.skipped += 1
                continue
            }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            totals.modules += 1
            totals.codeBytes += codeBytes
            totals.seconds += seconds
            if codeBytes > totals.largest.codeBytes {
                totals.largest = ((file as NSString).lastPathComponent, codeBytes, seconds)
            }
        }
        return totals
    }

    /// The size of the code section's contents (section id 10), from the binary.
    static func codeSectionSize(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 8, bytes[0..<4] == [0x00, 0x61, 0x73, 0x6D] else { return nil }
        var k = 8
        while k < bytes.count {
            let id = bytes[k]
            k += 1
            var size = 0
            var shift = 0
            while k < bytes.count {
                let byte = bytes[k]
                k += 1
                size |= Int(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 || shift > 28 { break }
            }
            if id == 10 { return size }
            k += size
        }
        return 0
    }

    /// Imports that satisfy `module`: functions returning zeros, fresh
    /// memories, tables and globals of the imported types.
    static func dummyImports(_ module: Module, _ store: Store) -> Imports? {
        var imports = Imports()
        for entry in module.imports {
            let value: ExternalValue
            switch entry.descriptor {
            case .function(let typeIndex):
                guard Int(typeIndex) < module.types.count else { return nil }
                let type = module.types[Int(typeIndex)]
                value = .function(Function(store: store, type: type) { _, _ in type.results.map(Value.zero) })
            case .memory(let type):
                guard let memory = try? Memory(store: store, type: type) else { return nil }
                value = .memory(memory)
            case .table(let type):
                guard let table = try? Table(store: store, type: type) else { return nil }
                value = .table(table)
            case .global(let type):
                guard let global = try? Global(store: store, type: type, value: .zero(type.valueType)) else {
                    return nil
                }
                value = .global(global)
            }
            imports.define(module: entry.module, name: entry.name, value)
        }
        return imports
    }
}
