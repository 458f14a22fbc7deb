import WasmBinary

/// Something an instance exports or imports.
public enum ExternalValue: Equatable {
    /// A function.
    case function(Function)
    /// A linear memory.
    case memory(Memory)
    /// A table.
    case table(Table)
    /// A global.
    case global(Global)
}

/// The values a module's imports resolve to, by module and field name.
public struct Imports {
    // Keyed by UTF-8 bytes: Swift's String equality is canonical equivalence,
    // but Wasm names are equal only when their bytes are.
    var values: [[UInt8]: [[UInt8]: ExternalValue]] = [:]

    /// An empty set of imports.
    public init() {}

    /// Makes `value` importable as `module.name`.
    public mutating func define(module: String, name: String, _ value: ExternalValue) {
        values[Array(module.utf8), default: [:]][Array(name.utf8)] = value
    }

    /// Makes every export of `instance` importable under `module`.
    public mutating func define(module: String, exportsOf instance: Instance) {
        for export in instance.storage.module.exports {
            if let value = instance.export(export.name) { define(module: module, name: export.name, value) }
        }
    }

    /// The value defined as `module.name`, if any.
    public func value(module: String, name: String) -> ExternalValue? {
        values[Array(module.utf8)]?[Array(name.utf8)]
    }
}

/// Instantiation failed while resolving imports.
public struct LinkError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Equatable, Sendable {
        /// No value is defined under the import's module and name.
        case unknownImport
        /// The value defined there has another kind or an incompatible type.
        case incompatibleImportType
    }

    /// What went wrong.
    public var reason: Reason
    /// The import's module and field name.
    public var module: String, name: String
    /// Details.
    public var detail: String

    /// The spec's message, then the import and details.
    public var description: String {
        let head = reason == .unknownImport ? "unknown import" : "incompatible import type"
        return "\(head): \(module).\(name)\(detail.isEmpty ? "" : ": " + detail)"
    }
}
