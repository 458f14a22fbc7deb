import Foundation
import Testing

/// The README's Swift snippets marked `<!-- snippet: PATH -->` are cut from
/// that file: an example, which `swift build` compiles and ExamplesTests runs,
/// or a test (ReadmeExampleTests). Each run of lines between `// ...` markers
/// must stand, in order and unbroken, in the file (indentation and blank lines
/// aside).
@Suite struct ReadmeSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    struct Snippet: CustomStringConvertible {
        var source: String
        var line: Int
        var segments: [[String]]
        var description: String { "README.md:\(line) (\(source))" }
    }

    /// The marked snippets, split at `// ...` lines, blank lines dropped.
    static func snippets() throws -> [Snippet] {
        let lines = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
            .components(separatedBy: "\n")
        var result: [Snippet] = []
        var k = 0
        while k < lines.count {
            let line = lines[k].trimmingCharacters(in: .whitespaces)
            k += 1
            guard line.hasPrefix("<!-- snippet: "), line.hasSuffix(" -->") else { continue }
            let source = String(line.dropFirst("<!-- snippet: ".count).dropLast(" -->".count))
            var snippet = Snippet(source: source, line: k, segments: [[]])
            guard k < lines.count, lines[k] == "```swift" else {
                snippet.segments = []
                result.append(snippet)
                continue
            }
            k += 1
            while k < lines.count, lines[k] != "```" {
                let code = lines[k].trimmingCharacters(in: .whitespaces)
                if code == "// ..." {
                    snippet.segments.append([])
                } else if !code.isEmpty {
                    snippet.segments[snippet.segments.count - 1].append(code)
                }
                k += 1
            }
            result.append(snippet)
        }
        return result
    }

    @Test func theReadmeHasSnippetsFromEveryExample() throws {
        let sources = Set(try Self.snippets().map(\.source))
        for example in ["FiberGenerator", "HostResume", "TBScheduler"] {
            #expect(sources.contains("Examples/\(example)/main.swift"), "no README snippet from \(example)")
        }
    }

    @Test func everySnippetIsCutFromItsExample() throws {
        for snippet in try Self.snippets() {
            #expect(!snippet.segments.isEmpty, "\(snippet): the marker must precede a ```swift block")
            let file = try String(
                contentsOf: Self.root.appendingPathComponent(snippet.source), encoding: .utf8)
            let code = file.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            var from = 0
            for segment in snippet.segments where !segment.isEmpty {
                let found = stride(from: from, through: code.count - segment.count, by: 1).first {
                    Array(code[$0..<$0 + segment.count]) == segment
                }
                guard let found else {
                    Issue.record(
                        "\(snippet): these lines are not in \(snippet.source) as written:\n\(segment.joined(separator: "\n"))"
                    )
                    break
                }
                from = found + segment.count
            }
        }
    }
}
