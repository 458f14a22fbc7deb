// What every command shares: `--flag=value` spelt as `--flag value`, `--help`
// on every command, files read with the reason they cannot be, and a hint
// when WebAssembly text is given where a binary module is expected.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum CommandLineSupport {
    /// `arguments` with every `--flag=value` before a `--` split into `--flag`,
    /// `value` (arguments after `--` belong to a program and stay as they are).
    static func splittingEqualsOptions(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var passThrough = false
        for argument in arguments {
            if passThrough || !argument.hasPrefix("--") {
                result.append(argument)
                continue
            }
            if argument == "--" { passThrough = true }
            if let equals = argument.firstIndex(of: "="), argument.count > 2 {
                result.append(String(argument[..<equals]))
                result.append(String(argument[argument.index(after: equals)...]))
            } else {
                result.append(argument)
            }
        }
        return result
    }

    /// Whether `--help` or `-h` comes before any `--`.
    static func asksForHelp(_ arguments: [String]) -> Bool {
        for argument in arguments {
            if argument == "--" { return false }
            if argument == "--help" || argument == "-h" { return true }
        }
        return false
    }

    /// The usage text of `command` (`tb` covers its subcommands), or nil for an
    /// unknown command.
    static func usage(of command: String) -> String? {
        switch command {
        case "spec": SpecSuiteCommand.usage
        case "validate": "usage: asyncify validate <file.wasm>"
        case "instrument": InstrumentCommand.usage
        case "print": "usage: asyncify print <file.wasm>"
        case "run": RunCommand.usage
        case "bench-interp": BenchInterpCommand.usage
        case "tb": TBCommand.usage
        default: nil
        }
    }

    /// The known name closest to `word` (edit distance at most 2, or a prefix
    /// either way), for "did you mean" hints.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word, $0)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        if best.1 <= 2 { return best.0 }
        return candidates.first { $0.hasPrefix(word) || word.hasPrefix($0) }
    }

    /// Levenshtein distance.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)
                diagonal = row[j]
                row[j] = min(substitution, row[j] + 1, row[j - 1] + 1)
            }
        }
        return row[b.count]
    }

    /// A file that cannot be read, with the system's reason.
    struct UnreadableFile: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot read \(path): \(reason)" }
    }

    /// A command's failure that is not a usage error, printed as its message.
    struct Failure: Error, CustomStringConvertible {
        /// What failed.
        enum Reason {
            /// A module that does not decode or validate.
            case invalidModule
            /// A `TYPE:VALUE` argument that does not parse.
            case badArgumentValue
            /// An outside tool (wasmkit, node) that exited with an error.
            case toolFailed
            /// `--dump-native` after a call that did not run on the native engine.
            case notNative
        }
        var reason: Reason
        var message: String
        init(_ reason: Reason, _ message: String) {
            self.reason = reason
            self.message = message
        }
        var description: String { message }
    }

    /// A text file given where a binary module is expected.
    struct TextWhereBinaryExpected: Error, CustomStringConvertible {
        var path: String
        var description: String {
            let stem =
                path.hasSuffix(".wat") || path.hasSuffix(".wast")
                ? (path as NSString).deletingPathExtension : path
            return "\(path) is WebAssembly text (WAT), not a binary module: convert it first with "
                + "`wat2wasm \(path) -o \(stem).wasm` (wabt)"
        }
    }

    /// The bytes of `path`, or an error saying why they cannot be read
    /// (`No such file or directory`, `Permission denied`, `Is a directory`).
    static func read(_ path: String) throws(UnreadableFile) -> [UInt8] {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw UnreadableFile(path: path, reason: String(cString: strerror(EISDIR)))
        }
        guard let file = fopen(path, "rb") else {
            throw UnreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        if ferror(file) != 0 {
            throw UnreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        return bytes
    }

    /// The bytes of a binary module at `path`: as ``read(_:)``, and an error
    /// suggesting `wat2wasm` for a file that holds WebAssembly text.
    static func readModule(_ path: String) throws -> [UInt8] {
        let bytes = try read(path)
        if looksLikeText(bytes) { throw TextWhereBinaryExpected(path: path) }
        return bytes
    }

    /// Whether `bytes` start like the text format: not the `\0asm` magic, and
    /// the first thing after blanks and comments is `(`.
    static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0, 0x61, 0x73, 0x6D]) { return false }
        var k = 0
        while k < bytes.count {
            switch bytes[k] {
            case 0x20, 0x09, 0x0A, 0x0D: k += 1
            case 0x3B where k + 1 < bytes.count && bytes[k + 1] == 0x3B:  // ;; line comment
                while k < bytes.count && bytes[k] != 0x0A { k += 1 }
            case 0x28: return true  // (
            default: return false
            }
        }
        return false
    }
}
