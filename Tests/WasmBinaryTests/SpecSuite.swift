// A minimal reader for the pre-converted spec suite: just enough to list the
// binary modules each command names. The full runner lives in the WasmSpec
// target; these tests only need file names and command kinds. Where the suite
// is, and the skip line when it is not, come from SpecSuiteSupport.

import Foundation
import SpecSuiteSupport

/// One command of a spec script that names a binary module file.
struct SpecModuleCommand: Sendable, CustomStringConvertible {
    /// The command kind, e.g. `module` or `assert_malformed`.
    var kind: String
    /// `<suite>/<script>` such as `core/binary`.
    var script: String
    /// The `.wast` line.
    var line: Int
    /// The spec's expected message for assertions.
    var text: String?
    /// Absolute path of the `.wasm` file.
    var path: String

    var description: String { "\(script).wast:\(line) (\(kind))" }

    func bytes() throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
}

enum SpecSuite {
    /// The suite's directory (`WASM_SPEC_DIR` or the default), or `nil` if it is missing.
    static var directory: String? { SpecSuiteTestSupport.directory }

    /// Every command with a binary module, in script order; empty if the suite is missing.
    static let commands: [SpecModuleCommand] = {
        guard let directory else { return [] }
        var result: [SpecModuleCommand] = []
        let fm = FileManager.default
        for suite in ["core", "memory64", "threads"] {
            let suiteDir = directory + "/" + suite
            guard let scripts = try? fm.contentsOfDirectory(atPath: suiteDir) else { continue }
            for script in scripts.sorted() {
                let json = "\(suiteDir)/\(script)/\(script).json"
                guard let data = fm.contents(atPath: json),
                    let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                    let commands = object["commands"] as? [[String: Any]]
                else { continue }
                for command in commands {
                    guard let kind = command["type"] as? String,
                        let filename = command["filename"] as? String,
                        filename.hasSuffix(".wasm")
                    else { continue }
                    result.append(
                        SpecModuleCommand(
                            kind: kind, script: "\(suite)/\(script)", line: command["line"] as? Int ?? 0,
                            text: command["text"] as? String, path: "\(suiteDir)/\(script)/\(filename)"))
                }
            }
        }
        return result
    }()

    /// Commands of one kind.
    static func commands(_ kind: String) -> [SpecModuleCommand] { commands.filter { $0.kind == kind } }

    /// Whether the suite is present (the skip line is printed once per process when it is not).
    static func isAvailable() -> Bool { directory != nil }
}
