// Where the converted spec suite lives: the one setting every reader of the
// suite (the tests, `asyncify spec` without a directory, the scripts) goes
// through, so a clone anywhere finds it, or is told how to get it, the same way.

import Foundation

/// The location of the converted WebAssembly spec test suite.
///
/// The suite is not part of the repository (about 4,700 files). It is looked
/// for, in this order:
///
/// 1. the directory an explicit argument names (`asyncify spec DIR`);
/// 2. the environment variable ``environmentVariable`` (`WASM_SPEC_DIR`);
/// 3. ``defaultRelativePath`` (`../shared/wasm-spec`) relative to the package
///    root, the place `scripts/get-wasm-spec.sh` writes to by default.
///
/// `scripts/get-wasm-spec.sh` rebuilds the suite from the public WebAssembly
/// testsuite at ``pinnedCommit`` with wabt's `wast2json`.
public enum SpecSuiteLocation {
    /// The environment variable that overrides the default location.
    public static let environmentVariable = "WASM_SPEC_DIR"

    /// The default location, relative to the package root.
    public static let defaultRelativePath = "../shared/wasm-spec"

    /// The commit of <https://github.com/WebAssembly/testsuite> the suite is
    /// converted from (the testsuite pinned by wabt 1.0.32, whose `wast2json`
    /// understands all of its syntax).
    public static let pinnedCommit = "3a04b2cf93bd8fce277458d419eea8d9c326345c"

    /// What to do when the suite is missing, for messages.
    public static let howToGet = "set \(environmentVariable) or run scripts/get-wasm-spec.sh"

    /// The package root, found from this source file's path at build time
    /// (`<root>/Sources/WasmSpec/SpecSuiteLocation.swift`).
    public static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The directory to read the suite from: `explicit` if given, else a
    /// non-empty `WASM_SPEC_DIR`, else the default beside the package root.
    ///
    /// The directory may not exist; check with ``containsSuite(_:)``.
    public static func directory(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let explicit { return explicit }
        if let value = environment[environmentVariable], !value.isEmpty { return value }
        return URL(fileURLWithPath: packageRoot).appendingPathComponent(defaultRelativePath)
            .standardizedFileURL.path
    }

    /// Whether `directory` holds at least one converted script
    /// (`<suite>/<name>/<name>.json`).
    public static func containsSuite(_ directory: String) -> Bool {
        !SpecSuite.discoverFiles(in: directory).isEmpty
    }

    /// The one line that says the suite is missing at `directory` and how to get it.
    public static func missingMessage(_ directory: String) -> String {
        "wasm-spec not found at \(directory); \(howToGet)"
    }
}
