import Foundation
import TestSupport
import Testing

/// Runs the same fiber program through real Emscripten (emcc -sASYNCIFY, node)
/// and compares its output with the Swift fibers' output.
@Suite struct EmscriptenCrossCheckTests {
    /// The C program: Emscripten's fiber test shape with `emscripten_fiber_*`.
    static let program = """
        #include <emscripten/fiber.h>
        #include <stdio.h>
        static emscripten_fiber_t mainF, fibF, cntF;
        static char mainA[1024], fibA[1024], cntA[1024];
        static char fibC[4096] __attribute__((aligned(16))), cntC[4096] __attribute__((aligned(16)));
        static void fib(void *arg) {
            int last = 0, cur = 1;
            while (1) {
                printf("%d-", last);
                int next = last + cur; last = cur; cur = next;
                emscripten_fiber_swap(&fibF, &mainF);
            }
        }
        static void cnt(void *arg) {
            int i = 100;
            while (1) { printf("%d-", i); i++; emscripten_fiber_swap(&cntF, &mainF); }
        }
        int main(void) {
            emscripten_fiber_init_from_current_context(&mainF, mainA, sizeof mainA);
            emscripten_fiber_init(&fibF, fib, 0, fibC, sizeof fibC, fibA, sizeof fibA);
            emscripten_fiber_init(&cntF, cnt, 0, cntC, sizeof cntC, cntA, sizeof cntA);
            printf("*");
            for (int i = 0; i < 10; i++) {
                emscripten_fiber_swap(&mainF, &fibF);
                emscripten_fiber_swap(&mainF, &cntF);
            }
            printf("*\\n");
            return 0;
        }
        """

    @Test func swiftFibersPrintWhatEmscriptenFibersPrint() throws {
        guard let emcc = ExternalTool.findOrSkip("emcc") else { return }
        guard let node = ExternalTool.findOrSkip("node") else { return }
        let directory = try ExternalTool.temporaryDirectory("asyncify-fibers")
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.program.write(
            to: directory.appendingPathComponent("fibers.c"), atomically: true, encoding: .utf8)
        let environment = ["NODE_PATH": "/usr/share/nodejs"]
        let compiled = try ExternalTool.run(
            emcc, ["-O2", "-sASYNCIFY", "fibers.c", "-o", "fibers.js"], in: directory,
            environment: environment)
        #expect(compiled.status == 0, "\(compiled.text)")
        let run = try ExternalTool.run(
            node, ["--no-experimental-fetch", "fibers.js"], in: directory, environment: environment)
        #expect(run.status == 0, "\(run.stderrText)")
        let emscriptenOutput = run.stdoutText
        let swift = try EmscriptenFiberTests.runFiberProgram()
        #expect(emscriptenOutput.trimmingCharacters(in: .whitespacesAndNewlines) == swift.text)
    }
}
