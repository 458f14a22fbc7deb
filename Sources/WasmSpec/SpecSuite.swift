// Finding the scripts of a converted spec suite: every
// `<suite>/<name>/<name>.json` below the suite's root (core/, memory64/,
// threads/ in the converted suite, see docs/SpecSuite.md).

import Foundation

/// One script of the suite.
public struct SpecFile: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `<suite>/<name>`, e.g. `core/i32` or `memory64/address64`.
    public var name: String
    /// The absolute path of the JSON script.
    public var path: String

    /// Creates a reference to a script.
    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// The script's name, e.g. `core/i32`.
    public var description: String { name }

    /// Orders scripts by name.
    public static func < (lhs: SpecFile, rhs: SpecFile) -> Bool { lhs.name < rhs.name }
}

/// A converted spec test suite on disk.
public struct SpecSuite: Sendable {
    /// The suite's root directory.
    public var directory: String
    /// Its scripts, sorted by name.
    public var files: [SpecFile]

    /// Finds the scripts under `directory` (see ``discoverFiles(in:)``).
    public init(directory: String) {
        self.directory = directory
        files = Self.discoverFiles(in: directory)
    }

    /// Every `<suite>/<name>/<name>.json` under `directory`, sorted by name;
    /// empty if the directory does not exist.
    public static func discoverFiles(in directory: String) -> [SpecFile] {
        let fm = FileManager.default
        var files: [SpecFile] = []
        guard let suites = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        for suite in suites {
            guard let scripts = try? fm.contentsOfDirectory(atPath: "\(directory)/\(suite)") else { continue }
            for script in scripts {
                let path = "\(directory)/\(suite)/\(script)/\(script).json"
                if fm.fileExists(atPath: path) {
                    files.append(SpecFile(name: "\(suite)/\(script)", path: path))
                }
            }
        }
        return files.sorted()
    }
}
