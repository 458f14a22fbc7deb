// Reading one converted spec script (`<name>.json`) into typed commands.

import Foundation
import WasmBinary

/// Why a spec script could not be read or run.
public struct SpecScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the script.
    public enum Reason: Sendable, Hashable {
        /// The script, or a module file it names, cannot be read.
        case unreadableFile
        /// The script is not JSON.
        case badJSON
        /// The JSON has no `commands` array (it is not a `wast2json` script).
        case noCommands
        /// A command of a type, or with a value, this runner does not know.
        case unknownCommand
        /// An action names a module the script never defined, or comes before any module.
        case unknownModule
        /// An action passes an expected-result pattern (a NaN class, any reference)
        /// as an argument.
        case notAnArgumentValue
    }

    /// What was wrong with the script.
    public var reason: Reason
    /// The script's path (empty for the errors ``SpecExecutor`` throws while running
    /// a script: the runner reports those under the script's name).
    public var path: String
    /// The `.wast` line of the offending command, when known.
    public var line: Int?
    /// What was wrong, and what to do where that is not obvious.
    public var message: String

    init(_ reason: Reason, path: String, line: Int? = nil, _ message: String) {
        self.reason = reason
        self.path = path
        self.line = line
        self.message = message
    }

    /// `path[:line]: message`.
    public var description: String {
        let place = path + (line.map { ":\($0)" } ?? "")
        return place.isEmpty ? message : "\(place): \(message)"
    }
}

/// A parsed spec script: its source name and its commands in order.
public struct SpecScript: Sendable, Hashable {
    /// The `.wast` file it was converted from, e.g. `i32.wast`.
    public var sourceFilename: String
    /// The commands, in the order they must run.
    public var commands: [SpecCommand]

    /// Reads and parses the JSON script at `path`; module file names become absolute paths.
    ///
    /// - Throws: ``SpecScriptError`` for an unreadable file, bad JSON or an unknown command or value.
    public init(contentsOf path: String) throws(SpecScriptError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecScriptError(.unreadableFile, path: path, "cannot read the file")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Self.escapingByteOrderMarks(data))
        } catch {
            throw SpecScriptError(.badJSON, path: path, "bad JSON: \(error.localizedDescription)")
        }
        guard let root = object as? [String: Any], let commands = root["commands"] as? [[String: Any]] else {
            throw SpecScriptError(
                .noCommands, path: path, "no \"commands\" array: convert .wast scripts with wabt's wast2json")
        }
        sourceFilename = root["source_filename"] as? String ?? ""
        let directory = (path as NSString).deletingLastPathComponent
        self.commands = []
        self.commands.reserveCapacity(commands.count)
        for command in commands {
            let line = command["line"] as? Int ?? 0
            guard let kind = Self.kind(of: command, directory: directory) else {
                throw SpecScriptError(
                    .unknownCommand, path: path, line: line,
                    "cannot understand command \(command["type"] ?? "?")")
            }
            self.commands.append(SpecCommand(line: line, kind: kind))
        }
    }

    private static func kind(of command: [String: Any], directory: String) -> SpecCommand.Kind? {
        let text = command["text"] as? String ?? ""
        var file: SpecModuleFile? {
            guard let name = command["filename"] as? String else { return nil }
            let isText = command["module_type"] as? String == "text" || name.hasSuffix(".wat")
            return SpecModuleFile(path: "\(directory)/\(name)", isText: isText)
        }
        var action: SpecAction? { (command["action"] as? [String: Any]).flatMap(Self.action) }
        let expected = (command["expected"] as? [[String: Any]]) ?? []
        switch command["type"] as? String {
        case "module":
            return file.map { .module($0, name: command["name"] as? String) }
        case "register":
            guard let name = command["as"] as? String else { return nil }
            return .register(module: command["name"] as? String, as: name)
        case "action":
            guard let action else { return nil }
            return .action(
                action, expectedTypes: expected.compactMap { Self.valueType($0["type"] as? String) })
        case "assert_return":
            guard let action else { return nil }
            var values: [SpecValue] = []
            for entry in expected {
                guard let type = entry["type"] as? String,
                    let value = SpecValue(type: type, value: entry["value"] as? String)
                else { return nil }
                values.append(value)
            }
            return .assertReturn(action, expected: values)
        case "assert_trap": return action.map { .assertTrap($0, text: text) }
        case "assert_exhaustion": return action.map { .assertExhaustion($0, text: text) }
        case "assert_invalid": return file.map { .assertInvalid($0, text: text) }
        case "assert_malformed": return file.map { .assertMalformed($0, text: text) }
        case "assert_unlinkable": return file.map { .assertUnlinkable($0, text: text) }
        case "assert_uninstantiable": return file.map { .assertUninstantiable($0, text: text) }
        default: return nil
        }
    }

    private static func action(_ object: [String: Any]) -> SpecAction? {
        guard let field = object["field"] as? String else { return nil }
        let module = object["module"] as? String
        switch object["type"] as? String {
        case "invoke":
            var arguments: [SpecValue] = []
            for argument in object["args"] as? [[String: Any]] ?? [] {
                guard let type = argument["type"] as? String,
                    let value = SpecValue(type: type, value: argument["value"] as? String)
                else { return nil }
                arguments.append(value)
            }
            return .invoke(module: module, field: field, arguments: arguments)
        case "get":
            return .get(module: module, field: field)
        default:
            return nil
        }
    }

    private static func valueType(_ name: String?) -> ValueType? {
        ValueType.allCases.first { $0.description == name }
    }

    /// Foundation's JSON parser on Linux drops a raw U+FEFF at the start of a
    /// string (names.wast has an export called just that), so it is rewritten
    /// as the escape `\ufeff`, which survives. The BOM's bytes cannot occur
    /// inside any other UTF-8 sequence, so this never changes anything else.
    static func escapingByteOrderMarks(_ data: Data) -> Data {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        guard data.firstRange(of: bom) != nil else { return data }
        var out = Data()
        out.reserveCapacity(data.count + 16)
        var rest = data[...]
        while let range = rest.firstRange(of: bom) {
            out.append(rest[..<range.lowerBound])
            out.append(contentsOf: Array("\\ufeff".utf8))
            rest = rest[range.upperBound...]
        }
        out.append(rest)
        return out
    }
}
