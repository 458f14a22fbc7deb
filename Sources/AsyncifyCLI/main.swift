import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let rest = Array(arguments.dropFirst())
switch arguments.first {
case "spec": exit(SpecSuiteCommand.main(rest))
case "validate": exit(ValidateCommand.main(rest))
case "print": exit(PrintCommand.main(rest))
case "run": exit(RunCommand.main(rest))
case "bench-interp": exit(BenchInterpCommand.main(rest))
case "spec-exec": exit(SpecExecCommand.main(rest))
case "tb": exit(TBCommand.main(rest))
default: exit(Usage.main(arguments))
}
