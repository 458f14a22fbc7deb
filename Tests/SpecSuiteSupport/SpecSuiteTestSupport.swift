// The spec suite as the tests see it: the directory from SpecSuiteLocation
// (WASM_SPEC_DIR or the default beside the package), and when it is missing
// one skip line per test process, not one per test, that says how to get it.

import WasmSpec

/// The converted spec suite for tests.
public enum SpecSuiteTestSupport {
    /// The suite's directory, or `nil` when no converted script is there; the
    /// first access prints the skip line if it is missing.
    public static let directory: String? = {
        let directory = SpecSuiteLocation.directory()
        if SpecSuiteLocation.containsSuite(directory) { return directory }
        print("skipped: \(SpecSuiteLocation.missingMessage(directory))")
        return nil
    }()

    /// Every script of the suite, sorted by name; empty when it is missing.
    public static var files: [SpecFile] {
        guard let directory else { return [] }
        return SpecSuite.discoverFiles(in: directory)
    }
}
