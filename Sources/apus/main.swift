import ApusNet
import Glibc

// Entry point: `apus serve | validate | migrate | controller | version`. Wiring only; the work is in
// the modules.
let arguments = Array(CommandLine.arguments.dropFirst())
let status: Int32
switch arguments.first {
case "serve":
    status = ServeCommand.run(Array(arguments.dropFirst()))
case "validate":
    status = ValidateCommand.run(Array(arguments.dropFirst()))
case "migrate":
    status = MigrateCommand.run(Array(arguments.dropFirst()))
case "version", "--version":
    print("apus \(apusVersion) (\(LibraryVersions.openSSL), zlib \(LibraryVersions.zlib), PCRE2 \(LibraryVersions.pcre2))")
    status = 0
case "controller":
    status = ControllerCommand.run(Array(arguments.dropFirst()))
case "help", "--help", "-h", nil:
    print(usage)
    status = arguments.isEmpty ? 2 : 0
default:
    printError("apus: unknown command '\(arguments[0])'\n\n\(usage)")
    status = 2
}
exit(status)
