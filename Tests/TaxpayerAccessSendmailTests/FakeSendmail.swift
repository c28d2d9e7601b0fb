import Foundation

/// A stand-in for `sendmail` in a temporary folder: a shell script that does what a test asks (capture each message
/// from standard input into `captured/`, fail, hang, …).
final class FakeSendmail: Sendable {
    let folder: URL
    let script: URL
    var captured: URL { folder.appendingPathComponent("captured") }

    /// - Parameter body: the script after `#!/bin/sh`; `$CAPTURED` is the capture folder.
    init(_ body: String) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sendmail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("captured"), withIntermediateDirectories: true)
        script = folder.appendingPathComponent("sendmail")
        let text = "#!/bin/sh\nCAPTURED='\(folder.appendingPathComponent("captured").path)'\n\(body)\n"
        try Data(text.utf8).write(to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Captures standard input as `<n>.eml` and the arguments as `<n>.args`, like a sendmail that queued the mail.
    static func capturing() throws -> FakeSendmail {
        try FakeSendmail(
            """
            n=$(date +%s%N)-$$
            printf '%s\\n' "$@" > "$CAPTURED/$n.args"
            cat > "$CAPTURED/$n.tmp" && mv "$CAPTURED/$n.tmp" "$CAPTURED/$n.eml"
            """)
    }

    /// Reads its input, says why it refuses on standard error, and exits 75 (EX_TEMPFAIL).
    static func refusing() throws -> FakeSendmail {
        try FakeSendmail(
            """
            cat > /dev/null
            echo "sendmail: fatal: connect to mail.example.gov[192.0.2.1]:25: Connection timed out" >&2
            exit 75
            """)
    }

    /// The raw bytes of every captured message, oldest first.
    func messages() throws -> [[UInt8]] {
        try FileManager.default.contentsOfDirectory(atPath: captured.path).filter { $0.hasSuffix(".eml") }.sorted()
            .map { [UInt8](try Data(contentsOf: captured.appendingPathComponent($0))) }
    }

    /// The arguments of every run, oldest first.
    func arguments() throws -> [[String]] {
        try FileManager.default.contentsOfDirectory(atPath: captured.path).filter { $0.hasSuffix(".args") }.sorted()
            .map { name in
                String(decoding: try Data(contentsOf: captured.appendingPathComponent(name)), as: UTF8.self)
                    .split(separator: "\n").map(String.init)
            }
    }
}
