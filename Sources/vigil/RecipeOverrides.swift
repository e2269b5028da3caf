import ArgumentParser
import VigilDetect

/// The checks shared by the commands that override a recipe's settings (`train`, `quality`).
enum RecipeOverrides {
    static func validate(window: Int?, trim: Double?, contamination: Double?, dropout: Float?) throws {
        if let window, !(1...TemporalWindow.maximumLength).contains(window) {
            throw ValidationError("--window must be in 1...\(TemporalWindow.maximumLength), got \(window)")
        }
        if let trim, !(trim >= 0 && trim < 1) { throw ValidationError("--trim must be in [0, 1), got \(trim)") }
        if let contamination, !(contamination > 0 && contamination < 1) {
            throw ValidationError("--contamination must be in (0, 1), got \(contamination)")
        }
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
    }

    /// Refuses overrides that leave a recipe's nearest-neighbour evidence without the rows it
    /// reads (`sensors`: 5 rows and their 10-row means, a window of 14), or that it does not go
    /// with (first differences, a season).
    /// `season`: a `--season` not yet in the trainer's window.
    static func check(_ trainer: DetectorTrainer, season: Int? = nil, recipe: String) throws {
        guard let neighbors = trainer.neighborEvidence else { return }
        let reads = "its nearest-neighbour evidence reads \(neighbors.steps) rows and their \(neighbors.meanLength)-row means"
        if trainer.window.length < neighbors.windowLength {
            throw CommandFailure(
                "--window \(trainer.window.length) is too short for recipe \(recipe): \(reads), a window of \(neighbors.windowLength) or more")
        }
        if trainer.window.differences { throw CommandFailure("--differences does not go with recipe \(recipe): \(reads), not their changes") }
        if trainer.window.seasonLength != nil || (season ?? 0) > 0 {
            throw CommandFailure("--season does not go with recipe \(recipe): its nearest neighbours are the training rows, the held-out ones too")
        }
    }
}
