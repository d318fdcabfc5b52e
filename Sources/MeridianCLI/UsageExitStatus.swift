import ArgumentParser
import Foundation

extension MeridianCommand {
    /// ArgumentParser's own entry point, except that `meridian explain` reports bad usage with
    /// exit status 2 (its documented contract: 1 already means "the answer is an error")
    /// instead of ArgumentParser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if CommandLine.arguments.dropFirst().first == ExplainCommand.configuration.commandName,
               exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}
