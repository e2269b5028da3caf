import Foundation
import Testing
import VigilDetect
import VigilML

@Suite struct ModelBundleTests {
    private func smallBundle(perFeatureEvidence: Bool = false, seed: UInt64 = 3) throws -> ModelBundle {
        var generator = SeededGenerator(seed: seed)
        let data = SeedProfile.generate(samples: 400, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.perFeatureEvidence = perFeatureEvidence
        trainer.configuration.epochs = 2
        trainer.contamination = 0.2
        return try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle
    }

    @Test func saveThenLoadIsBitExact() throws {
        let bundle = try smallBundle()
        let path = Fixtures.temporaryDirectory() + "/model"
        try bundle.save(to: path)
        let loaded = try ModelBundle.load(from: path)
        #expect(loaded == bundle)
        for (a, b) in zip(loaded.network.layers, bundle.network.layers) {
            #expect(a.kernel.values.map(\.bitPattern) == b.kernel.values.map(\.bitPattern))
        }
        // Saving over an existing bundle replaces it whole and leaves no temporary directories.
        try bundle.save(to: path)
        let siblings = try FileManager.default.contentsOfDirectory(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        #expect(siblings == ["model"])
    }

    /// Saving replaces the whole directory, so a directory holding anything but a bundle's files
    /// (`--out .` in a project) is refused, before and at the save, and left as it was.
    @Test func aDirectoryWithOtherFilesIsRefusedNotEmptied() throws {
        let bundle = try smallBundle()
        let project = Fixtures.temporaryDirectory()
        try Data("notes".utf8).write(to: URL(fileURLWithPath: project + "/NOTES.md"))
        try FileManager.default.createDirectory(atPath: project + "/.git", withIntermediateDirectories: false)
        for attempt in [{ try ModelBundle.checkSaving(to: project) }, { try bundle.save(to: project) }] {
            #expect {
                try attempt()
            } throws: { error in
                guard case .writeFailed(_, let reason) = error as? BundleError else { return false }
                return reason.contains("it holds files that are not a model bundle's (.git, NOTES.md)")
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: project).sorted() == [".git", "NOTES.md"])
        #expect(throws: BundleError.writeFailed(path: "", reason: "the path is empty")) { try bundle.save(to: "") }
        // An empty directory, or an earlier bundle's, is fine.
        let empty = Fixtures.temporaryDirectory()
        try bundle.save(to: empty)
        try bundle.save(to: empty)
        #expect(try ModelBundle.load(from: empty) == bundle)
    }

    /// A link to the bundle in service (`current -> releases/v1`) keeps pointing there, at the
    /// new files.
    @Test func savingThroughALinkReplacesWhatItPointsTo() throws {
        let root = Fixtures.temporaryDirectory()
        try smallBundle().save(to: root + "/releases/v1")
        try FileManager.default.createSymbolicLink(atPath: root + "/current", withDestinationPath: "releases/v1")
        let replacement = try smallBundle(seed: 4)
        try ModelBundle.checkSaving(to: root + "/current")
        try replacement.save(to: root + "/current")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/current") == "releases/v1")
        #expect(try ModelBundle.load(from: root + "/releases/v1") == replacement)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/releases") == ["v1"])
        // A link to a release not made yet: checked before training, then made where it points.
        try FileManager.default.removeItem(atPath: root + "/current")
        try FileManager.default.createSymbolicLink(atPath: root + "/current", withDestinationPath: "releases/v2")
        try ModelBundle.checkSaving(to: root + "/current")
        try replacement.save(to: root + "/current")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/current") == "releases/v2")
        #expect(try ModelBundle.load(from: root + "/current") == replacement)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/releases").sorted() == ["v1", "v2"])
        // A relative link reached through a linked directory points from where the kernel finds
        // it: app -> deploy/app, deploy/app/current -> ../releases/v3 is deploy/releases/v3.
        try FileManager.default.createDirectory(atPath: root + "/deploy/app", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/app", withDestinationPath: "deploy/app")
        try FileManager.default.createSymbolicLink(atPath: root + "/deploy/app/current", withDestinationPath: "../releases/v3")
        try replacement.save(to: root + "/app/current")
        #expect(try ModelBundle.load(from: root + "/app/current") == replacement)
        #expect(FileManager.default.fileExists(atPath: root + "/deploy/releases/v3/model.json"))
        #expect(!FileManager.default.fileExists(atPath: root + "/releases/v3"))
    }

    /// Models trained on one file with other settings have other stamps; a bundle keeps its own
    /// across a save and a load.
    @Test func theVersionStampTellsModelsApart() throws {
        let plain = try smallBundle()
        let evidence = try smallBundle(perFeatureEvidence: true)
        #expect(plain.training.dataFingerprint == evidence.training.dataFingerprint)
        #expect(plain.versionStamp != evidence.versionStamp)
        let path = Fixtures.temporaryDirectory() + "/model"
        try plain.save(to: path)
        #expect(try ModelBundle.load(from: path).versionStamp == plain.versionStamp)
        #expect(plain.versionStamp.count == 8)
    }

    /// The manifest of one save with the weights of another (same architecture, so every shape
    /// fits) is refused: each file is whole, but together they are no model.
    @Test func filesOfTwoSavesAreNotMixed() throws {
        let first = Fixtures.temporaryDirectory() + "/first"
        let second = Fixtures.temporaryDirectory() + "/second"
        try smallBundle().save(to: first)
        try smallBundle(seed: 4).save(to: second)
        _ = try ModelBundle.load(from: first)
        try FileManager.default.removeItem(atPath: first + "/model.safetensors")
        try FileManager.default.copyItem(atPath: second + "/model.safetensors", toPath: first + "/model.safetensors")
        do {
            _ = try ModelBundle.load(from: first)
            Issue.record("the mixed bundle loaded")
        } catch {
            guard case .invalidManifest(_, let reason) = error else { Issue.record("\(error)"); return }
            #expect(reason.contains("'weights_fingerprint' does not match model.safetensors"), "\(reason)")
        }
    }

    /// Writes a good bundle, lets `damage` break it, and returns the load error.
    @Test func aRobustProfileRoundTripsAndABadOneIsRefused() throws {
        let bundle = try smallBundle(perFeatureEvidence: true)
        #expect(bundle.robust?.median.count == 5)
        let path = Fixtures.temporaryDirectory() + "/model"
        try bundle.save(to: path)
        #expect(try ModelBundle.load(from: path) == bundle)
        try editManifest(path) { manifest in
            var profile = manifest["robust_profile"] as! [String: Any]
            profile["scale"] = [1, 1, 0, 1, 1]
            manifest["robust_profile"] = profile
        }
        #expect(throws: BundleError.self) { try ModelBundle.load(from: path) }
        do {
            _ = try ModelBundle.load(from: path)
        } catch {
            #expect("\(error)".contains("robust_profile"))
        }
        // A bundle without one (every bundle written before it existed) has no such field.
        let plain = Fixtures.temporaryDirectory() + "/plain"
        try smallBundle().save(to: plain)
        let manifest = try String(contentsOfFile: plain + "/model.json", encoding: .utf8)
        #expect(!manifest.contains("robust_profile"))
    }

    /// The sensors recipe's bundle: a neighbour profile whose references travel in the weights
    /// file, and a reconstruction that weighs nothing (format version 5).
    @Test func aNeighborProfileRoundTripsAndABadOneIsRefused() throws {
        var generator = SeededGenerator(seed: 5)
        let data = SeedProfile.generate(samples: 200, generator: &generator)
        var trainer = Recipe.sensors.trainer
        trainer.configuration.epochs = 2
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle
        #expect(bundle.neighbors?.references.rows == 200)
        #expect(bundle.neighbors?.references.columns == 5 * 2 * 5)
        let path = Fixtures.temporaryDirectory() + "/model"
        try bundle.save(to: path)
        #expect(try ModelBundle.load(from: path) == bundle)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/model.json"))) as! [String: Any]
        #expect(manifest["format_version"] as? Int == 5)
        #expect(manifest["reconstruction_weight"] as? Double == 0)
        #expect((manifest["neighbor_profile"] as? [String: Any])?["mean_length"] as? Int == 10)

        func refusal(_ edit: @escaping (inout [String: Any]) -> Void) throws -> String {
            let copy = Fixtures.temporaryDirectory() + "/copy"
            try bundle.save(to: copy)
            try editManifest(copy, edit)
            do {
                _ = try ModelBundle.load(from: copy)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(try refusal { $0["format_version"] = 4 }.contains("'neighbor_profile' needs format_version 5"))
        #expect(try refusal { $0["reconstruction_weight"] = -1 }.contains("'reconstruction_weight' must be a number of 0 or more"))
        // Each setting is checked before it is computed with, and named in model.json.
        func profileRefusal(_ key: String, _ value: Any) throws -> String {
            try refusal { manifest in
                var profile = manifest["neighbor_profile"] as! [String: Any]
                profile[key] = value
                manifest["neighbor_profile"] = profile
            }
        }
        for (key, value) in [("steps", 0), ("steps", -1), ("steps", 1 << 62), ("mean_length", Int.max)] {
            let error = try profileRefusal(key, value)
            #expect(error.contains("model.json") && error.contains("steps and mean_length must be in 1...14"), "\(key) \(value): \(error)")
        }
        #expect(try profileRefusal("mean_length", 11).contains("need a window of 15, found 14"))
        #expect(try profileRefusal("neighbors", 1 << 62).contains("neighbors must be in 1...4096"))
        #expect(try profileRefusal("neighbors", 201).contains("holds 200 references, fewer than the 201 neighbors"))
        #expect(try profileRefusal("center", [0.0, 1.0]).contains("2 centers and 10 scales for 10 described values"))
        #expect(try profileRefusal("steps", 4).contains("neighbors.references"))
        // Only the weights file's own tensors: a plain bundle has no references.
        let plain = Fixtures.temporaryDirectory() + "/plain"
        try smallBundle().save(to: plain)
        let plainManifest = try String(contentsOfFile: plain + "/model.json", encoding: .utf8)
        #expect(!plainManifest.contains("neighbor_profile") && !plainManifest.contains("reconstruction_weight"))
    }

    private func loadError(_ damage: (String) throws -> Void) throws -> BundleError? {
        let path = Fixtures.temporaryDirectory() + "/model"
        try smallBundle().save(to: path)
        try damage(path)
        do {
            _ = try ModelBundle.load(from: path)
            return nil
        } catch {
            return error
        }
    }

    private func editManifest(_ path: String, _ edit: (inout [String: Any]) -> Void) throws {
        let file = URL(fileURLWithPath: path + "/model.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: file)
    }

    private func editWeights(_ path: String, _ edit: (inout Data) -> Void) throws {
        let file = URL(fileURLWithPath: path + "/model.safetensors")
        var data = try Data(contentsOf: file)
        edit(&data)
        try data.write(to: file)
    }

    @Test func everyCorruptionHasItsOwnError() throws {
        let missingDirectory = try loadError { try FileManager.default.removeItem(atPath: $0) }
        guard case .notFound = missingDirectory else { Issue.record("missing directory: \(String(describing: missingDirectory))"); return }

        let missingManifest = try loadError { try FileManager.default.removeItem(atPath: $0 + "/model.json") }
        guard case .missingFile(let manifestPath) = missingManifest, manifestPath.hasSuffix("model.json") else {
            Issue.record("missing model.json: \(String(describing: missingManifest))"); return
        }

        let missingWeights = try loadError { try FileManager.default.removeItem(atPath: $0 + "/model.safetensors") }
        guard case .missingFile(let weightsPath) = missingWeights, weightsPath.hasSuffix("model.safetensors") else {
            Issue.record("missing weights: \(String(describing: missingWeights))"); return
        }

        let notJSON = try loadError { try Data("{ not json".utf8).write(to: URL(fileURLWithPath: $0 + "/model.json")) }
        guard case .invalidManifest(_, let reason) = notJSON, reason.contains("JSON") else {
            Issue.record("not JSON: \(String(describing: notJSON))"); return
        }

        let version = try loadError { try editManifest($0) { $0["format_version"] = 99 } }
        #expect(version.map { if case .unsupportedFormatVersion(_, 99, 5) = $0 { true } else { false } } == true)

        let missingField = try loadError { try editManifest($0) { $0["scaler"] = nil } }
        guard case .invalidManifest(_, let missingReason) = missingField, missingReason.contains("'scaler'") else {
            Issue.record("missing scaler: \(String(describing: missingField))"); return
        }

        let features = try loadError { try editManifest($0) { $0["features"] = ["a", "b", "c"] } }
        #expect(features.map { if case .featureCountMismatch = $0 { true } else { false } } == true)

        let scaler = try loadError { try editManifest($0) { $0["scaler"] = ["mean": [0, 0], "scale": [1, 1]] } }
        #expect(scaler.map { if case .featureCountMismatch = $0 { true } else { false } } == true)

        let shape = try loadError {
            try editManifest($0) { json in
                var architecture = json["architecture"] as! [String: Any]
                var layers = architecture["layers"] as! [[String: Any]]
                layers[0]["units"] = 65
                architecture["layers"] = layers
                json["architecture"] = architecture
            }
        }
        #expect(shape.map { if case .tensorShape(_, "dense_0.kernel", [5, 65], [5, 64]) = $0 { true } else { false } } == true)

        let truncated = try loadError { path in try editWeights(path) { $0 = $0.prefix($0.count - 100) } }
        #expect(truncated.map { if case .weights(_, .truncated) = $0 { true } else { false } } == true)

        let header = try loadError { path in try editWeights(path) { $0[12] = UInt8(ascii: "}") } }
        #expect(header.map { if case .weights(_, .invalidHeader) = $0 { true } else { false } } == true)

        let nonFinite = try loadError { path in
            try editWeights(path) { data in
                // The data section starts after the header; poison its last float (the last bias).
                let nan = Float.nan.bitPattern.littleEndian
                withUnsafeBytes(of: nan) { data.replaceSubrange(data.count - 4..<data.count, with: $0) }
            }
        }
        #expect(nonFinite.map { if case .nonFiniteWeights = $0 { true } else { false } } == true)

        let missingTensor = try loadError { path in
            let bundle = try ModelBundle.load(from: path)
            let tensors = Dictionary(
                uniqueKeysWithValues: bundle.network.layers.enumerated().flatMap { index, layer in
                    [
                        ("dense_\(index).kernel", Tensor(shape: [layer.inputs, layer.units], values: layer.kernel.values)),
                        ("dense_\(index).bias", Tensor(shape: [layer.units], values: layer.bias)),
                    ]
                }.filter { $0.0 != "dense_2.bias" })
            try Safetensors.encode(tensors).write(to: URL(fileURLWithPath: path + "/model.safetensors"))
        }
        #expect(
            missingTensor
                == .missingTensor(path: missingTensor.map { if case .missingTensor(let p, _) = $0 { p } else { "" } } ?? "", name: "dense_2.bias"))
    }

    @Test func errorsReadAsSentencesNamingTheFile() {
        let error = BundleError.tensorShape(path: "m/model.safetensors", name: "dense_0.kernel", expected: [5, 64], found: [4, 64])
        #expect(error.description == "m/model.safetensors: tensor 'dense_0.kernel' has shape [4, 64], the architecture needs [5, 64]")
    }
}
