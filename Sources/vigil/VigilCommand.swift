import ArgumentParser
import VigilDetect
import VigilML

/// The `vigil` command line: train, score, evaluate and benchmark anomaly detectors.
@main
struct VigilCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "Anomaly detection for infrastructure metrics.",
        version: Vigil.version,
        subcommands: [
            ServeCommand.self, TrainCommand.self, ScoreCommand.self, EvaluateCommand.self, CalibrateCommand.self, QualityCommand.self,
            BenchCommand.self,
            KafkaMockCommand.self,
        ]
    )

    static func main() async {
        BLASKernelChoice.reexecIfBetter()
        // Vigil's layers are small; one BLAS thread is faster on a shared machine and repeatable.
        BLAS.setThreadCount(1)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
