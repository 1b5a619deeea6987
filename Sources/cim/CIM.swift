import ArgumentParser
import CIMCore
import CIMHDF5
import Foundation

/// The `cim` command-line tool.
@main
struct CIM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cim",
        abstract: "CIMKit: train, map, export and audit memristor compute-in-memory chips.",
        discussion: """
            Pipeline: train (digital or on a simulated chip) → export (map onto a chip, write the \
            HDF5 chip image) → evaluate (Monte Carlo over freshly programmed chips). Also: convert, \
            inspect and verify images; merge shard reports of an evaluation; show chips (presets and chip files).
            """,
        version: CIMKitVersion.string,
        subcommands: [Train.self, Import.self, Export.self, Convert.self, Inspect.self, Verify.self, Evaluate.self, Merge.self, Chip.self, Device.self, Info.self])

    /// Parses and runs a subcommand; every failure is one line on stderr and a non-zero exit.
    static func main() {
        if CommandLine.arguments.count > 1, CommandLine.arguments[1] == HDF5Snapshot.childCommand {
            HDF5Snapshot.childMain(arguments: Array(CommandLine.arguments.dropFirst()))
        }
        do {
            var command = try parseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let failures as LineFailures {
            for line in failures.lines { FileHandle.standardError.write(Data("error: \(line)\n".utf8)) }
            Foundation.exit(1)
        } catch let missing as MergeMissing {
            FileHandle.standardError.write(Data("error: \(missing.description)\n\(missing.hint)\n".utf8))
            Foundation.exit(1)
        } catch let error as CIMError {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            Foundation.exit(1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = fullMessage(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            let line = message.hasPrefix("Error: ") ? String(message.dropFirst(7)) : message
            FileHandle.standardError.write(Data("error: \(line) (see 'cim --help')\n".utf8))
            Foundation.exit(code.rawValue == 0 ? 1 : code.rawValue)
        }
    }
}

/// `--x -3` → `--x=-3`: the argument parser reads a token starting with `-` as an option, so a
/// negative number after an option would be reported as a missing value instead of reaching
/// the option's own range check.
func joiningNegativeValues(_ args: [String]) -> [String] {
    var out: [String] = []
    for a in args {
        if let last = out.last, last.hasPrefix("--"), !last.contains("="), a.count > 1, a.hasPrefix("-"),
           a.dropFirst().first.map({ $0.isNumber || $0 == "." }) == true {
            out[out.count - 1] = last + "=" + a
        } else {
            out.append(a)
        }
    }
    return out
}

/// Writes `text` to stderr without a newline.
func writeStderr(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Encodes a value as pretty, key-sorted JSON text.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
