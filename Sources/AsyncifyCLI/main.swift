import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
switch arguments.first {
case "run" where !rest.contains("--invoke") && RunProgramCommand.isProgram(rest): exit(RunProgramCommand.main(rest))
case "run": exit(RunCommand.main(rest))
case "bench-interp": exit(BenchInterpCommand.main(rest))
case "spec-exec": exit(SpecExecCommand.main(rest))
default: print("asyncify: no commands yet")
}
