import Foundation
import TestSupport

/// Runs an example executable of this package, built next to the test binary.
enum ExampleRunner {
    /// The folder holding the package's built products (the test binary's own).
    static var productsDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Runs product `name` with `arguments`; returns its exit status and output.
    static func run(_ name: String, _ arguments: [String] = []) throws -> ExternalTool.Output {
        try ExternalTool.run(productsDirectory.appendingPathComponent(name).path, arguments)
    }
}
