import Foundation
import Testing

/// Runs one of the built example programs (`Examples/NAME/main.swift`) as a child process, in a temporary working
/// directory of its own, as swift-argument-parser's example tests run theirs, and keeps what it printed.
struct Example {
    var status: Int32
    var stdout: String
    var stderr: String

    /// What it printed on standard output, one entry per line.
    var lines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    /// Runs the example named `name` to its end.
    static func run(_ name: String) throws -> Example {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = try binary(name)
        process.currentDirectoryURL = directory
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        // The examples print a few dozen lines: both pipes hold that, so reading one after the other cannot block.
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Example(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }

    /// The built program, next to the test bundle (the test target depends on every example, so SwiftPM builds
    /// them into the same folder).
    static func binary(_ name: String) throws -> URL {
        var folders = Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }.map {
            $0.bundleURL.deletingLastPathComponent()
        }
        folders.append(Bundle.main.bundleURL)
        folders.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for folder in folders {
            let candidate = folder.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw NotBuilt(name: name, searched: folders.map(\.path))
    }

    struct NotBuilt: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String { "example \(name) not found in \(searched.joined(separator: ", "))" }
    }

    /// The first line after the line `heading` that starts with `prefix` (leading spaces ignored), before the next
    /// heading-level line (one that starts without a space); `nil` when there is none.
    func line(after heading: String, startingWith prefix: String) -> String? {
        guard let start = lines.firstIndex(of: heading) else { return nil }
        for line in lines[(start + 1)...] {
            if !line.hasPrefix(" ") && !line.isEmpty { return nil }
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix(prefix) { return String(trimmed) }
        }
        return nil
    }

    /// The lines that start with `prefix`, in order.
    func lines(startingWith prefix: String) -> [String] { lines.filter { $0.hasPrefix(prefix) } }

    /// The example's contract for every run: it exits 0 and writes nothing to standard error.
    func expectSucceeded(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(status == 0, "exit status; stderr: \(stderr)", sourceLocation: sourceLocation)
        #expect(stderr.isEmpty, "stderr: \(stderr)", sourceLocation: sourceLocation)
        #expect(!stdout.isEmpty, "printed nothing", sourceLocation: sourceLocation)
    }

    /// None of `secrets` (passwords, answers, PINs, full ID numbers and addresses) appears in what was printed.
    func expectNeverPrinted(_ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!secrets.isEmpty, sourceLocation: sourceLocation)
        for secret in secrets {
            #expect(
                !stdout.contains(secret) && !stderr.contains(secret), "printed \(secret)",
                sourceLocation: sourceLocation)
        }
    }
}
