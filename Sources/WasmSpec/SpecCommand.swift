// The typed commands of a converted spec script (format in docs/SpecSuite.md).

import WasmBinary

/// A module file named by a command.
public struct SpecModuleFile: Sendable, Hashable, CustomStringConvertible {
    /// The file's absolute path.
    public var path: String
    /// Whether it is a `.wat` text module (meant for a text parser; a binary runner skips it).
    public var isText: Bool

    /// Creates a module file reference.
    public init(path: String, isText: Bool) {
        self.path = path
        self.isText = isText
    }

    /// The file name.
    public var description: String { path.split(separator: "/").last.map(String.init) ?? path }
}

/// An `invoke` or `get` action.
public enum SpecAction: Sendable, Hashable, CustomStringConvertible {
    /// Calls export `field` of module `module` (the current one when nil).
    case invoke(module: String?, field: String, arguments: [SpecValue])
    /// Reads exported global `field` of module `module` (the current one when nil).
    case get(module: String?, field: String)

    /// The module name the action names, if any.
    public var module: String? {
        switch self {
        case .invoke(let module, _, _), .get(let module, _): module
        }
    }

    /// `invoke "f"(args)` or `get "g"`.
    public var description: String {
        switch self {
        case .invoke(let module, let field, let arguments):
            "invoke \(module.map { "\($0) " } ?? "")\"\(field)\"(\(arguments.map(\.description).joined(separator: ", ")))"
        case .get(let module, let field): "get \(module.map { "\($0) " } ?? "")\"\(field)\""
        }
    }
}

/// One command of a spec script, with the `.wast` line it came from.
public struct SpecCommand: Sendable, Hashable, CustomStringConvertible {
    /// What the command does.
    public enum Kind: Sendable, Hashable {
        /// Decode, validate and instantiate; `name` lets later commands refer to it.
        case module(SpecModuleFile, name: String?)
        /// Make the exports of `module` (the current one when nil) importable as `as`.
        case register(module: String?, as: String)
        /// Perform an action that must not trap; `expectedTypes` are its result types.
        case action(SpecAction, expectedTypes: [ValueType])
        /// Perform an action and compare its results.
        case assertReturn(SpecAction, expected: [SpecValue])
        /// Perform an action that must trap with (a message starting like) `text`.
        case assertTrap(SpecAction, text: String)
        /// Perform an action that must exhaust the call stack.
        case assertExhaustion(SpecAction, text: String)
        /// The module must decode but fail validation.
        case assertInvalid(SpecModuleFile, text: String)
        /// The module must fail to decode (or parse, for text modules).
        case assertMalformed(SpecModuleFile, text: String)
        /// The module is valid but must fail to link.
        case assertUnlinkable(SpecModuleFile, text: String)
        /// The module is valid and links but instantiation must fail (e.g. a trapping start function).
        case assertUninstantiable(SpecModuleFile, text: String)
    }

    /// The `.wast` line.
    public var line: Int
    /// What the command does.
    public var kind: Kind

    /// Creates a command.
    public init(line: Int, kind: Kind) {
        self.line = line
        self.kind = kind
    }

    /// The module file the command names, if any.
    public var moduleFile: SpecModuleFile? {
        switch kind {
        case .module(let file, _), .assertInvalid(let file, _), .assertMalformed(let file, _),
            .assertUnlinkable(let file, _), .assertUninstantiable(let file, _):
            file
        default: nil
        }
    }

    /// The command's name in the JSON script, e.g. `assert_return`.
    public var typeName: String {
        switch kind {
        case .module: "module"
        case .register: "register"
        case .action: "action"
        case .assertReturn: "assert_return"
        case .assertTrap: "assert_trap"
        case .assertExhaustion: "assert_exhaustion"
        case .assertInvalid: "assert_invalid"
        case .assertMalformed: "assert_malformed"
        case .assertUnlinkable: "assert_unlinkable"
        case .assertUninstantiable: "assert_uninstantiable"
        }
    }

    /// `line N: kind`.
    public var description: String { "line \(line): \(typeName)" }
}
