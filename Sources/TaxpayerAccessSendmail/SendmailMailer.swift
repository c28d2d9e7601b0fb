public import TaxpayerAccess
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `Mailer` that hands each message to the system's `sendmail` interface — `sendmail -t -oi`, which Postfix,
/// Exim, OpenSMTPD and msmtp all provide —, so mail leaves the machine through the MTA the agency already runs
/// (RULES N2; Documentation/Operations.md, Mail).
///
/// Each message is `MailMessage`'s RFC 5322 text with LF line endings (the MTA writes CRLF on the wire): `From`,
/// `To`, `Subject` (RFC 2047 when not ASCII), `Date`, `Message-ID: <idempotency-key@domain>`, MIME headers, 8bit or
/// quoted-printable so no line passes 998 octets. `-t` takes the recipient from the `To` header (never from the
/// command line, so no address becomes an argument) and `-oi` keeps a line holding a single `.` from ending the
/// message. A CR or LF in a header value, or a `To` that is not one address, is refused before anything runs.
///
/// `send` returns once `sendmail` exited 0 — the MTA has queued the message. Anything else throws a ``Failure``
/// naming the exit status and the tail of what `sendmail` printed (never the body: any word of the body is taken
/// out of it), so the outbox records it and retries (N2). The mailer never logs: bodies may hold a code or a link
/// (RULES N1, A7).
///
/// ```swift
/// let mailer = try SendmailMailer(from: "MassTaxConnect <noreply@portal.example.gov>", clock: SystemTimeSource())
/// let delivery = OutboxDelivery(store: store, mailer: mailer, clock: SystemTimeSource(), random: SecureRandom(),
///                               keys: keys)
/// await delivery.run(every: .seconds(5)) { false }
/// ```
///
/// It runs the program with Foundation's `Process` (no package to build); the message goes through a pipe, with
/// `SIGPIPE` held off on the writing thread so a `sendmail` that exits early is an error, not the end of the process.
public struct SendmailMailer: Mailer {
    /// Why `sendmail` did not take a message.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        /// What went wrong.
        public struct Code: Hashable, Sendable, CustomStringConvertible {
            private enum Kind: Hashable, Sendable { case couldNotStart, exitStatus, signal, timedOut }
            private let kind: Kind
            private init(_ kind: Kind) { self.kind = kind }
            /// The program could not be started (missing, not executable).
            public static let couldNotStart = Code(.couldNotStart)
            /// It exited with a status other than 0 (``Failure/status``).
            public static let exitStatus = Code(.exitStatus)
            /// It was ended by a signal (``Failure/status`` holds the signal's number).
            public static let signal = Code(.signal)
            /// It did not finish within ``SendmailMailer/timeout`` and was stopped.
            public static let timedOut = Code(.timedOut)
            public var description: String { "\(kind)" }
        }

        public let code: Code
        /// The exit status or signal number, where there is one.
        public let status: Int32?
        /// The last lines `sendmail` printed (standard output and error), with every word of the body taken out.
        public let output: String
        /// One line for the outbox's `lastError` and the operator.
        public let message: String

        public var description: String { message }
    }

    /// The program: `/usr/sbin/sendmail` unless told otherwise (`/usr/bin/msmtp`, say).
    public let executable: String
    /// Arguments after `-t -oi`: `-f bounces@…` for the envelope sender, `-C /etc/msmtprc` for msmtp, …
    public let extraArguments: [String]
    /// The `From` header.
    public let from: String
    /// The right-hand side of each `Message-ID`.
    public let messageIDDomain: String
    /// How long one `sendmail` run may take before it is stopped and the send fails.
    public let timeout: Duration
    public let clock: any TimeSource

    /// - Parameters:
    ///   - from: the `From` header, `address` or `Name <address>`, printable ASCII.
    ///   - executable: the `sendmail` program.
    ///   - extraArguments: appended after `-t -oi`.
    ///   - messageIDDomain: the `Message-ID` domain; the `From` address's domain when `nil`.
    ///   - timeout: the longest one run may take (keep it below the outbox lease, 5 minutes by default).
    ///   - clock: the `Date` header's clock.
    /// - Throws: `MailRefusal` for a `From` with a line break or outside ASCII, or a domain that is not one.
    public init(
        from: String, executable: String = "/usr/sbin/sendmail", extraArguments: [String] = [],
        messageIDDomain: String? = nil, timeout: Duration = .seconds(60), clock: any TimeSource
    ) throws(MailRefusal) {
        try MailMessage.checkFrom(from)
        let domain = messageIDDomain ?? Self.domain(of: from)
        try MailMessage.checkMessageIDDomain(domain)
        self.from = from
        self.executable = executable
        self.extraArguments = extraArguments
        self.messageIDDomain = domain
        self.timeout = timeout
        self.clock = clock
    }

    /// The arguments `sendmail` is run with.
    public var arguments: [String] { ["-t", "-oi"] + extraArguments }

    /// The message exactly as it goes down the pipe.
    ///
    /// - Throws: `MailRefusal` (header injection, a recipient that is not one address).
    public func message(for mail: OutgoingMail) throws(MailRefusal) -> [UInt8] {
        try MailMessage.compose(
            mail, from: from, date: clock.now(), messageIDDomain: messageIDDomain, lineEnding: .lf)
    }

    /// Runs `sendmail -t -oi` with the message on its standard input.
    ///
    /// - Throws: `MailRefusal` before anything runs; ``Failure`` when `sendmail` does not take the message.
    public func send(_ mail: OutgoingMail) async throws {
        let message = try message(for: mail)
        let run = try await Self.run(executable, arguments, input: message, timeout: timeout)
        if case .exited(0) = run.end { return }
        let output = Self.tail(run.output, without: mail.body)
        let said = output.isEmpty ? "" : ": \(output)"
        switch run.end {
        case .exited(let status):
            throw Failure(
                code: .exitStatus, status: status, output: output,
                message: "\(executable) exited with status \(status)\(said)")
        case .signalled(let signal):
            throw Failure(
                code: .signal, status: signal, output: output,
                message: "\(executable) was ended by signal \(signal)\(said)")
        case .timedOut:
            throw Failure(
                code: .timedOut, status: nil, output: output,
                message: "\(executable) did not finish within \(timeout) and was stopped\(said)")
        }
    }

    // MARK: - Running the program

    enum End: Equatable {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
    }

    struct Run {
        var end: End
        var output: [UInt8]
    }

    /// Holds what the threads around one run share.
    private final class RunState: @unchecked Sendable {
        let lock = NSLock()
        var timedOut = false
        var exited = false
        var finished = false
        var hasExited: Bool { lock.withLock { exited } }
    }

    /// Runs the program with `input` on its standard input; collects standard output and error (their last 4 KiB).
    static func run(_ executable: String, _ arguments: [String], input: [UInt8], timeout: Duration) async throws
        -> Run
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe()
        let output = Pipe()
        // Close-on-exec on every end: another program this process starts meanwhile (a second mail, a database
        // server) must not inherit a copy of the input's write end, or sendmail would never see its input end and
        // wait out the timeout. The child still gets its ends, as its descriptors 0, 1 and 2.
        for handle in [
            stdin.fileHandleForReading, stdin.fileHandleForWriting, output.fileHandleForReading,
            output.fileHandleForWriting,
        ] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, fcntl(handle.fileDescriptor, F_GETFD) | FD_CLOEXEC)
        }
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = output
        let state = RunState()
        let exited = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in
            state.lock.withLock { state.exited = true }
            exited.continuation.yield()
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            throw Failure(
                code: .couldNotStart, status: nil, output: "",
                message: "\(executable) could not be started (\(Self.reason(error)))")
        }
        let pid = process.processIdentifier
        let writer = stdin.fileHandleForWriting
        let reader = output.fileHandleForReading

        // A watchdog: stop the program once the timeout has passed.
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            let stop = state.lock.withLock { () -> Bool in
                if state.finished { return false }
                state.timedOut = true
                return true
            }
            if stop {
                kill(pid, SIGTERM)
                try await Task.sleep(for: .seconds(2))
                if state.lock.withLock({ !state.finished }) { kill(pid, SIGKILL) }
            }
        }
        async let written: Void = onThread { writeAll(input, to: writer, until: { state.hasExited }) }
        async let collected: [UInt8] = onThread {
            readTail(from: reader, keeping: 4096, until: { state.hasExited })
        }
        await written
        let bytes = await collected
        for await _ in exited.stream {}
        state.lock.withLock { state.finished = true }
        watchdog.cancel()

        let end: End
        if state.lock.withLock({ state.timedOut }) {
            end = .timedOut
        } else if process.terminationReason == .uncaughtSignal {
            end = .signalled(process.terminationStatus)
        } else {
            end = .exited(process.terminationStatus)
        }
        return Run(end: end, output: bytes)
    }

    /// Runs blocking work on a thread of its own, off the concurrency pool.
    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }

    /// Writes everything, then closes the pipe so `sendmail` sees the end. Stops early when the program exits (or
    /// closes its input: `EPIPE`) before it read it all; its exit status then tells what happened.
    private static func writeAll(_ bytes: [UInt8], to handle: FileHandle, until exited: () -> Bool) {
        let fd = handle.fileDescriptor
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        withSIGPIPEHeld {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    offset += n
                } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    if exited() { break }
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 100)
                } else {
                    break  // EPIPE: the program stopped reading
                }
            }
        }
        try? handle.close()
    }

    /// Reads to the end, keeping the last `limit` bytes; once the program has exited, stops when nothing more comes
    /// (a child it left behind may hold the pipe open).
    private static func readTail(from handle: FileHandle, keeping limit: Int, until exited: () -> Bool) -> [UInt8] {
        let fd = handle.fileDescriptor
        var kept: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let polled = poll(&ready, 1, 200)
            if polled == 0 {
                if exited() { break }
                continue
            }
            if polled < 0 {
                if errno == EINTR { continue }
                break
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            kept += buffer[..<n]
            if kept.count > limit { kept.removeFirst(kept.count - limit) }
        }
        try? handle.close()
        return kept
    }

    /// Runs `body` with `SIGPIPE` blocked on this thread, and takes away a `SIGPIPE` that `body` raised, so a write
    /// to a closed pipe fails with `EPIPE` instead of ending the process. Other threads are untouched.
    private static func withSIGPIPEHeld(_ body: () -> Void) {
        #if os(Linux)
        var block = sigset_t()
        var previous = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &block, &previous)
        body()
        var pending = sigset_t()
        sigpending(&pending)
        if sigismember(&pending, SIGPIPE) == 1 {
            var zero = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&block, nil, &zero) == SIGPIPE {}
        }
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        #else
        // Darwin: a write to a closed pipe raises SIGPIPE unless it is ignored; the caller's process settings apply.
        body()
        #endif
    }

    // MARK: - Text

    /// The last lines of what the program printed, on one line, with every word that also appears in the body
    /// replaced by `…` (a body may hold a code or a link), at most 300 characters.
    static func tail(_ output: [UInt8], without body: String) -> String {
        let bodyWords = Set(
            body.split(whereSeparator: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "\"" }).filter {
                $0.count >= 3
            }.map(String.init))
        let lines = String(decoding: output, as: UTF8.self).split(whereSeparator: \.isNewline).suffix(5)
        let cleaned = lines.map { line in
            line.split(separator: " ", omittingEmptySubsequences: false).map { word -> String in
                let bare = word.trimmingCharacters(in: CharacterSet(charactersIn: "<>\"'()[],;:."))
                if bodyWords.contains(String(word)) || bodyWords.contains(bare)
                    || bodyWords.contains(where: { $0.count >= 6 && word.contains($0) })
                {
                    return "…"
                }
                return String(word)
            }.joined(separator: " ")
        }
        let text = cleaned.joined(separator: " | ").unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }
        let line = String(String.UnicodeScalarView(text))
        return line.count > 300 ? "…" + String(line.suffix(299)) : line
    }

    /// The domain of the address in a `From` value (`Name <a@b.c>` or `a@b.c`).
    static func domain(of from: String) -> String {
        let address = from.split(separator: "<").last.map { $0.split(separator: ">").first ?? $0 } ?? Substring(from)
        guard let at = address.lastIndex(of: "@") else { return MailMessage.defaultMessageIDDomain }
        return String(address[address.index(after: at)...]).trimmingCharacters(in: .whitespaces)
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileNoSuchFileError { return "no such file" }
        return nsError.localizedDescription
    }
}
