import VigilDetect

/// The figures of `vigil quality`, and their rendering as QUALITY.md.
struct QualityReport {
    enum Family: String, CaseIterable {
        case asd, smd

        var directory: String { rawValue }
        var title: String { self == .asd ? "ASD-dev" : "SMD-dev" }
        /// The bar: the best baseline measured here plus 0.05.
        var target: (baseline: Double, goal: Double) { self == .asd ? (0.27, 0.32) : (0.37, 0.42) }
    }

    var command: String
    var seed: EvaluationReport?
    var families: [Family: [TrainTestBenchmark.Machine]] = [:]
    var skab: [LeadingRowsBenchmark.File]?

    var markdown: String {
        var text = """
            # Detection quality

            Written by `\(command)`. Point-wise figures count each row on its own. Point-adjusted F1
            counts a whole labelled run as found when any row of it is flagged; it inflates figures
            (uniform random scores reach 0.90 on SMD), so it is shown only beside the point-wise F1.
            Thresholds come from training data only; test labels are used only to score.

            ## Seed generator

            The seed's recipe: `vigil train --synthetic` (contamination 0.2, trim 0.2, per-feature
            evidence), unlabeled; tested on a fresh labeled draw of 20,000 (seed 7). Target: F1 ≥ 0.98.

            | precision | recall | F1 | ROC-AUC | PR-AUC |
            | ---: | ---: | ---: | ---: | ---: |

            """
        if let seed {
            let c = seed.confusion
            text += "| \(f(c.precision)) | \(f(c.recall)) | **\(f(c.f1))** | \(f(seed.rocAUC)) | \(f(seed.prAUC)) |\n"
            text += "\n" + verdict(c.f1, goal: 0.98) + "\n"
        }
        for family in Family.allCases {
            text += "\n## \(family.title) (`\(family.directory)/`)\n\n"
            guard let machines = families[family] else {
                text += "Not run: no `\(family.directory)/` in the data directory.\n"
                continue
            }
            text += """
                `vigil train --data <machine>_train.csv` with its defaults, then scored on
                `<machine>_test.csv`. Target: point-wise F1 ≥ \(family.target.goal) (best baseline \(family.target.baseline)).

                | machine | precision | recall | F1 (point-wise) | FAR | point-adjusted F1 | ROC-AUC | PR-AUC |
                | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |

                """
            for machine in machines {
                let r = machine.report
                let c = r.confusion
                text +=
                    "| \(machine.name) | \(f(c.precision)) | \(f(c.recall)) | \(f(c.f1)) | \(f(c.falseAlarmRate)) | \(f(r.pointAdjusted.f1)) | \(f(r.rocAUC)) | \(f(r.prAUC)) |\n"
            }
            let summed = machines.map(\.report.confusion).reduce(ConfusionMatrix(), +)
            let adjusted = machines.map(\.report.pointAdjusted).reduce(ConfusionMatrix(), +)
            text +=
                "| **all, counts summed** | \(f(summed.precision)) | \(f(summed.recall)) | **\(f(summed.f1))** | \(f(summed.falseAlarmRate)) | \(f(adjusted.f1)) | | |\n"
            text += "\n" + verdict(summed.f1, goal: family.target.goal) + "\n"
        }
        text += "\n## SKAB (`skab/`)\n\n"
        if let skab {
            let summed = skab.map(\.report.confusion).reduce(ConfusionMatrix(), +)
            text += """
                The leaderboard protocol: each of the \(skab.count) labelled files on its own, learning from its
                first 400 rows (`vigil train --data` defaults), scoring the rest point-wise; counts summed
                over the files. Target: F1 ≥ 0.82 with FAR ≤ 15 % (leaderboard best 0.78 at 13.6 %;
                flagging every point scores 0.70).

                | files | precision | recall | F1 | FAR | MAR |
                | ---: | ---: | ---: | ---: | ---: | ---: |
                | \(skab.count) | \(f(summed.precision)) | \(f(summed.recall)) | **\(f(summed.f1))** | \(f(summed.falseAlarmRate)) | \(f(summed.missedAlarmRate)) |


                """
            text +=
                summed.f1 >= 0.82 && summed.falseAlarmRate <= 0.15
                ? "Target met: F1 \(f(summed.f1)) ≥ 0.82 with FAR \(f(summed.falseAlarmRate)) ≤ 0.15.\n"
                : "**Target missed:** F1 \(f(summed.f1)), FAR \(f(summed.falseAlarmRate)) (needs F1 ≥ 0.82 with FAR ≤ 0.15).\n"
        } else {
            text += "Not run: no `skab/` in the data directory.\n"
        }
        text += "\n## Not yet in the suite\n\nNAB realAWSCloudwatch (streaming, causal, windows).\n"
        return text
    }

    private func verdict(_ f1: Double, goal: Double) -> String {
        f1 >= goal ? "Target met: F1 \(f(f1)) ≥ \(goal)." : "**Target missed:** F1 \(f(f1)) < \(goal)."
    }

    private func f(_ value: Double?) -> String {
        value.map { String(format: "%.3f", $0) } ?? "n/a"
    }
}
