// The order in which the spec suite's location is decided: an explicit
// directory, then WASM_SPEC_DIR, then ../shared/wasm-spec beside the package.

import Foundation
import Testing
import WasmSpec

@Suite struct SpecSuiteLocationTests {
    @Test func explicitDirectoryWinsOverTheEnvironment() {
        let directory = SpecSuiteLocation.directory(explicit: "/a", environment: ["WASM_SPEC_DIR": "/b"])
        #expect(directory == "/a")
    }

    @Test func environmentVariableWinsOverTheDefault() {
        #expect(SpecSuiteLocation.directory(environment: ["WASM_SPEC_DIR": "/b"]) == "/b")
    }

    /// An empty variable (`WASM_SPEC_DIR= swift test`) means "not set".
    @Test func defaultIsBesideThePackageRoot() {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let expected = root.deletingLastPathComponent().appendingPathComponent("shared")
            .appendingPathComponent("wasm-spec").path
        #expect(SpecSuiteLocation.directory(environment: [:]) == expected)
        #expect(SpecSuiteLocation.directory(environment: ["WASM_SPEC_DIR": ""]) == expected)
    }

    @Test func missingSuiteMessageNamesThePathAndBothWaysToGetIt() {
        let message = SpecSuiteLocation.missingMessage("/nonexistent")
        #expect(message.contains("/nonexistent"))
        #expect(message.contains("WASM_SPEC_DIR"))
        #expect(message.contains("scripts/get-wasm-spec.sh"))
        #expect(!SpecSuiteLocation.containsSuite("/nonexistent"))
    }
}
