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
    var values: [String: [String: ExternalValue]] = [:]

    /// An empty set of imports.
    public init() {}

    /// Makes `value` importable as `module.name`.
    public mutating func define(module: String, name: String, _ value: ExternalValue) {
        values[module, default: [:]][name] = value
    }

    /// Makes every export of `instance` importable under `module`.
    public mutating func define(module: String, exportsOf instance: Instance) {
        for (name, value) in instance.exports { define(module: module, name: name, value) }
    }

    /// The value defined as `module.name`, if any.
    public func value(module: String, name: String) -> ExternalValue? { values[module]?[name] }
}

/// Instantiation failed while resolving imports.
public struct LinkError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// No value is defined under the import's module and name.
        case unknownImport
        /// The value defined there has another kind or an incompatible type.
        case incompatibleImportType
    }

    /// What went wrong.
    public var kind: Kind
    /// The import's module and field name.
    public var module: String, name: String
    /// Details.
    public var detail: String

    /// The spec's message, then the import and details.
    public var description: String {
        let head = kind == .unknownImport ? "unknown import" : "incompatible import type"
        return "\(head): \(module).\(name)\(detail.isEmpty ? "" : ": " + detail)"
    }
}
