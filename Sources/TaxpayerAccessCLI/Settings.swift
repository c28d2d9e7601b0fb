import Configuration
import Foundation
import TaxpayerAccess

/// The settings of the harness and the reference server, read through swift-configuration from three sources, the
/// first that has a setting winning: the command line, the environment (`TAXPAYER_ACCESS_` and the setting's name in
/// upper snake case: `server.port` is `TAXPAYER_ACCESS_SERVER_PORT`), and a JSON settings file (`--config FILE` or
/// `TAXPAYER_ACCESS_CONFIG`), whose nesting gives the names (`{"server": {"port": 8080}}`).
///
/// `Documentation/Operations.md` (Settings) lists every setting; `Documentation/settings-example.json` holds each
/// one. A setting that is there but wrong — a value of the wrong type, an impossible value, an unknown name in the
/// file — stops the command with a ``SettingsError`` naming the setting and where it came from; nothing is opened
/// before the settings are read whole.
struct HarnessSettings: Sendable {
    /// The SQLite file or `postgres://` URL (`database`).
    var database: String
    /// The sealing key file (`keyFile`; default `<database>.key`, or `taxpayer-access.key` for a URL).
    var keyFile: String
    /// The portal's address for the links of its mail (`portal.url`); `nil`: the command's own default.
    var portalURL: String?
    /// Where each link's token goes (`links.placement`): `fragment` (default), `path` or `query`.
    var linkPlacement: LinkShapes.Placement
    /// Link bases that differ from `{portal.url}/activate`, `/reset-password`, `/complete-logon` (`links.activation`,
    /// `links.passwordReset`, `links.secondaryCompletion`).
    var linkBases: [LinkShapes.Purpose: String]
    /// The policy (`policy` in the file: a preset and overrides as `Policy.decode(json:)` reads them; or
    /// `policy.file`, a file of that form; or `policy.preset` alone). Default: MassTaxConnect.
    var policy: Policy
    /// How the server's outbox worker sends mail (`mail.transport`).
    var mail: MailTransport
    /// The From header of the portal's mail (`mail.from`).
    var mailFrom: String
    /// Where `serve`'s development text gateway writes text messages (`texts.folder`; default `<database>-texts`, or
    /// `taxpayer-access-texts` for a URL): never the log, since a text carries a code.
    var textsFolder: String
    /// The server's own settings (`server.*`, `log.level`, `outbox.*`).
    var server: ServerSettings

    /// How mail leaves: `.eml` files in a folder (development), or the system's `sendmail -t -oi`.
    enum MailTransport: Sendable, Equatable {
        /// `mail.transport = files`, `mail.folder` (default `<database>-mail`, or `taxpayer-access-mail` for a URL).
        case files(folder: String)
        /// `mail.transport = sendmail`, `mail.sendmail` (default `/usr/sbin/sendmail`) and its
        /// `mail.sendmailArguments` after `-t -oi`.
        case sendmail(executable: String, arguments: [String])
    }

    /// `taxpayer-access serve`'s settings.
    struct ServerSettings: Sendable, Equatable {
        /// `server.host` (default `127.0.0.1`).
        var host: String
        /// `server.port`, 0–65535 (default 8080; 0: any free port).
        var port: Int
        /// `server.allowedOrigins`: origins the portal's pages are served from (CSRF, Documentation/HTTP.md).
        var allowedOrigins: [String]
        /// `log.level`: trace, debug, info, notice, warning, error or critical (default info).
        var logLevel: String
        /// `outbox.interval`: whole seconds the worker waits when it found nothing (default 1, at least 1).
        var outboxInterval: Int
        /// `outbox.progressInterval`: whole seconds between progress lines (default 60, at least 1).
        var outboxProgressInterval: Int
        /// `server.maxConcurrentPasswordRequests`: unauthenticated hashing requests in flight before a 429; `nil`:
        /// the HTTP module's default (four per core).
        var maxConcurrentPasswordRequests: Int?
        /// `server.operatorsFile`: the agency operators of the `/api/agency` routes (`taxpayer-access operator`;
        /// default `<database>.operators.json`, or `taxpayer-access.operators.json` for a URL). No file: no operator.
        var operatorsFile: String
    }

    /// The log levels of swift-log, by name.
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The links of the portal: `portal.url` (or `defaultPortalURL`) with the placement and bases of the settings.
    func links(defaultPortalURL: String) -> LinkShapes {
        var links = LinkShapes.standard(portalURL: portalURL ?? defaultPortalURL)
        links.activation = .init(base: linkBases[.activation] ?? links.activation.base, placement: linkPlacement)
        links.passwordReset = .init(
            base: linkBases[.passwordReset] ?? links.passwordReset.base, placement: linkPlacement)
        links.secondaryCompletion = .init(
            base: linkBases[.secondaryCompletion] ?? links.secondaryCompletion.base, placement: linkPlacement)
        return links
    }

    /// Reads the settings.
    ///
    /// - Parameters:
    ///   - arguments: what the command line gave, by setting name (only the options the user wrote).
    ///   - configFile: `--config`, if given (else `TAXPAYER_ACCESS_CONFIG`, else no file).
    ///   - environment: the process's environment.
    /// - Throws: ``SettingsError`` naming the first setting at fault and its source.
    init(
        arguments: [String: ConfigContent], configFile: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SettingsError) {
        let sources = try SettingsSources(arguments: arguments, configFile: configFile, environment: environment)
        let database = try sources.string("database", secret: true) ?? DatabaseOptions.defaultPath
        self.database = database
        let isURL = isDatabaseURL(database)
        keyFile = try sources.string("keyFile") ?? (isURL ? DatabaseOptions.defaultURLKeyFile : database + ".key")
        portalURL = try sources.string("portal.url") { url in
            guard let parts = URLComponents(string: url), ["http", "https"].contains(parts.scheme),
                parts.host?.isEmpty == false
            else { return "expected an http or https URL with a host" }
            return nil
        }
        linkPlacement = try sources.choice("links.placement", LinkShapes.Placement.self) ?? .fragment
        var bases: [LinkShapes.Purpose: String] = [:]
        for purpose in LinkShapes.Purpose.allCases {
            bases[purpose] = try sources.string("links.\(purpose.rawValue)") { url in
                URLComponents(string: url)?.host?.isEmpty == false ? nil : "expected an absolute URL"
            }
        }
        linkBases = bases
        policy = try sources.policy()
        let transport = try sources.string("mail.transport") {
            ["files", "sendmail"].contains($0) ? nil : "expected files or sendmail"
        }
        let folder = try sources.string("mail.folder")
        let sendmail = try sources.string("mail.sendmail")
        let sendmailArguments = try sources.strings("mail.sendmailArguments")
        switch transport ?? (sendmail == nil ? "files" : "sendmail") {
        case "sendmail":
            if folder != nil {
                throw SettingsError(
                    "mail.folder", sources.source(of: "mail.folder"), "applies to mail.transport files only")
            }
            mail = .sendmail(executable: sendmail ?? "/usr/sbin/sendmail", arguments: sendmailArguments ?? [])
        default:
            if sendmail != nil || sendmailArguments != nil {
                let name = sendmail != nil ? "mail.sendmail" : "mail.sendmailArguments"
                throw SettingsError(name, sources.source(of: name), "applies to mail.transport sendmail only")
            }
            mail = .files(folder: folder ?? (isURL ? "taxpayer-access-mail" : database + "-mail"))
        }
        mailFrom =
            try sources.string("mail.from") { $0.contains("@") ? nil : "expected an email address" }
            ?? "noreply@portal.example.gov"
        textsFolder = try sources.string("texts.folder") ?? (isURL ? "taxpayer-access-texts" : database + "-texts")
        server = ServerSettings(
            host: try sources.string("server.host") { $0.isEmpty ? "expected a host name or address" : nil }
                ?? "127.0.0.1",
            port: try sources.int("server.port", in: 0...65535) ?? 8080,
            allowedOrigins: try sources.strings("server.allowedOrigins") ?? [],
            logLevel: try sources.string("log.level") {
                Self.logLevels.contains($0) ? nil : "expected one of \(Self.logLevels.joined(separator: ", "))"
            } ?? "info",
            outboxInterval: try sources.int("outbox.interval", in: 1...86400) ?? 1,
            outboxProgressInterval: try sources.int("outbox.progressInterval", in: 1...86400) ?? 60,
            maxConcurrentPasswordRequests: try sources.int("server.maxConcurrentPasswordRequests", in: 1...100_000),
            operatorsFile: try sources.string("server.operatorsFile")
                ?? (isURL ? "taxpayer-access.operators.json" : database + ".operators.json"))
        try sources.refuseUnknownNames()
    }
}

/// A setting that stops the start: which one, where it came from, and what is wrong (never its value when it may
/// hold a secret, such as a database URL's password).
struct SettingsError: Error, CustomStringConvertible, Equatable {
    /// The setting's name (`server.port`).
    let setting: String
    /// Where it came from: `the command line`, `TAXPAYER_ACCESS_SERVER_PORT in the environment`, or the file.
    let source: String
    /// What is wrong.
    let problem: String

    init(_ setting: String, _ source: String, _ problem: String) {
        self.setting = setting
        self.source = source
        self.problem = problem
    }

    var description: String { "setting \(setting) (\(source)): \(problem)" }
}

/// The three sources in order, each a swift-configuration snapshot, and the lookups of ``HarnessSettings``.
struct SettingsSources {
    /// One source: its snapshot, the prefix its names carry, and how an error names it.
    struct Layer {
        let snapshot: any ConfigSnapshot
        let prefix: [String]
        let describe: (String) -> String
    }

    let layers: [Layer]
    /// The file's `policy` object as JSON, when the file has one.
    let filePolicy: Data?
    /// The settings file and the names it holds (its leaves, dot-joined; `policy` as one).
    let fileNames: (path: String, names: [String])?
    /// Every name looked up so far.
    let read = ReadNames()

    /// The names ``content(_:_:expected:)`` was asked for.
    final class ReadNames {
        var names: Set<String> = ["policy"]
    }

    /// The environment variable of a setting: `TAXPAYER_ACCESS_` and the name in upper snake case.
    static func environmentName(of setting: String) -> String {
        var name = "TAXPAYER_ACCESS"
        for component in setting.split(separator: ".") {
            name += "_"
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { name += "_" }
                name += character.uppercased()
                previous = character
            }
        }
        return name
    }

    init(arguments: [String: ConfigContent], configFile: String?, environment: [String: String]) throws(SettingsError) {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (name, content) in arguments {
            values[AbsoluteConfigKey(name.components(separatedBy: "."))] = .init(content, isSecret: name == "database")
        }
        var layers = [
            Layer(
                snapshot: InMemoryProvider(name: "command line", values: values).snapshot(), prefix: [],
                describe: { _ in "the command line" }),
            Layer(
                snapshot: EnvironmentVariablesProvider(
                    environmentVariables: environment, secretsSpecifier: .specific(["TAXPAYER_ACCESS_DATABASE"])
                ).snapshot(), prefix: ["taxpayerAccess"],
                describe: { "\(SettingsSources.environmentName(of: $0)) in the environment" }),
        ]
        var filePolicy: Data?
        var fileNames: (path: String, names: [String])?
        if let path = configFile ?? environment["TAXPAYER_ACCESS_CONFIG"] {
            let source = configFile == nil ? "TAXPAYER_ACCESS_CONFIG" : "--config"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw SettingsError("config", source, "no settings file at \(path)")
            }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                    throw SettingsError("config", path, "the settings file is not a JSON object")
                }
                object = parsed
            } catch let error as SettingsError {
                throw error
            } catch {
                throw SettingsError("config", path, "the settings file is not JSON")
            }
            fileNames = (path, Self.flattened(object))
            if let policy = object["policy"] {
                guard policy is [String: Any], let json = try? JSONSerialization.data(withJSONObject: policy) else {
                    throw SettingsError("policy", "in \(path)", "expected an object: a preset and overrides")
                }
                filePolicy = json
            }
            var trimmed = object
            trimmed["policy"] = nil
            let snapshot: JSONSnapshot
            do {
                let json = try JSONSerialization.data(withJSONObject: trimmed)
                let bytes = [UInt8](json)
                snapshot = try JSONSnapshot(data: bytes.span.bytes, providerName: path, parsingOptions: .default)
            } catch {
                throw SettingsError("config", path, "the settings file could not be read as settings")
            }
            layers.append(Layer(snapshot: snapshot, prefix: [], describe: { _ in "in \(path)" }))
        }
        self.layers = layers
        self.filePolicy = filePolicy
        self.fileNames = fileNames
    }

    /// Refuses a name in the settings file that no lookup asked for: a typo, which would otherwise leave a default
    /// in force. Called once every setting has been read.
    func refuseUnknownNames() throws(SettingsError) {
        guard let (path, names) = fileNames else { return }
        let known = read.names
        for name in names where !known.contains(name) {
            throw SettingsError(name, "in \(path)", "no such setting (Documentation/Operations.md lists them)")
        }
    }

    /// The names of a settings file's leaves, dot-joined; the `policy` object counts as one.
    static func flattened(_ object: [String: Any], prefix: String = "") -> [String] {
        object.keys.sorted().flatMap { key -> [String] in
            let name = prefix + key
            if name != "policy", let nested = object[key] as? [String: Any] {
                return flattened(nested, prefix: name + ".")
            }
            return [name]
        }
    }

    /// The first source holding `name`, as an error names it (the last source when none holds it).
    func source(of name: String) -> String {
        for layer in layers {
            let key = AbsoluteConfigKey(layer.prefix + name.components(separatedBy: "."))
            for type in [ConfigType.string, .int, .stringArray] {
                if let found = try? layer.snapshot.value(forKey: key, type: type), found.value != nil {
                    return layer.describe(name)
                }
            }
        }
        return layers.last.map { $0.describe(name) } ?? "the command line"
    }

    /// The first source's value of `name` as `type` and how an error names that source, or `nil` when no source has
    /// it.
    func content(_ name: String, _ type: ConfigType, expected: String) throws(SettingsError) -> (
        ConfigContent, source: String
    )? {
        read.names.insert(name)
        for layer in layers {
            let key = AbsoluteConfigKey(layer.prefix + name.components(separatedBy: "."))
            do {
                if let value = try layer.snapshot.value(forKey: key, type: type).value {
                    return (value.content, layer.describe(name))
                }
            } catch {
                throw SettingsError(name, layer.describe(name), "expected \(expected)")
            }
        }
        return nil
    }

    /// A string setting, checked by `problem` (which returns what is wrong, or `nil`); a `secret` one's value is
    /// never repeated in an error.
    func string(_ name: String, secret: Bool = false, _ problem: (String) -> String? = { _ in nil })
        throws(SettingsError) -> String?
    {
        guard let (content, source) = try content(name, .string, expected: "text"), case .string(let value) = content
        else { return nil }
        if value.isEmpty { throw SettingsError(name, source, "is empty") }
        if let wrong = problem(value) {
            throw SettingsError(name, source, secret ? wrong : "\(wrong), not \"\(value)\"")
        }
        return value
    }

    /// A list of strings (in the environment: comma-separated).
    func strings(_ name: String) throws(SettingsError) -> [String]? {
        guard let (content, _) = try content(name, .stringArray, expected: "a list of text"),
            case .stringArray(let values) = content
        else { return nil }
        return values
    }

    /// A whole number within `range`.
    func int(_ name: String, in range: ClosedRange<Int>) throws(SettingsError) -> Int? {
        let expected = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        guard let (content, source) = try content(name, .int, expected: expected), case .int(let value) = content
        else { return nil }
        guard range.contains(value) else { throw SettingsError(name, source, "expected \(expected), not \(value)") }
        return value
    }

    /// One of an enumeration's raw values.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws(SettingsError) -> T?
    where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        let value = try string(name) { names.contains($0) ? nil : "expected one of \(names.joined(separator: ", "))" }
        return value.flatMap(T.init(rawValue:))
    }

    /// The policy: the file's `policy` object or `policy.file`, with `policy.preset` when they name none.
    func policy() throws(SettingsError) -> Policy {
        let presets = Policy.presets.keys.sorted()
        let preset = try string("policy.preset") {
            presets.contains($0) ? nil : "expected one of \(presets.joined(separator: ", "))"
        }
        let file = try string("policy.file")
        if file != nil, filePolicy != nil {
            throw SettingsError("policy.file", source(of: "policy.file"), "give the policy once: a file or an object")
        }
        var json = filePolicy
        var origin = layers.last.map { $0.describe("policy") } ?? "the settings file"
        if let file {
            origin = "policy.file \(file)"
            guard let data = FileManager.default.contents(atPath: file) else {
                throw SettingsError("policy.file", source(of: "policy.file"), "no policy file at \(file)")
            }
            json = data
        }
        guard var json else { return preset.flatMap { Policy.presets[$0] } ?? .massTaxConnect }
        if let preset {
            guard var object = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
                throw SettingsError("policy", origin, "The policy settings are not a JSON object.")
            }
            if let named = object["preset"] as? String, named != preset {
                throw SettingsError(
                    "policy.preset", source(of: "policy.preset"), "names \(preset), the policy names \(named)")
            }
            object["preset"] = preset
            json = (try? JSONSerialization.data(withJSONObject: object)) ?? json
        }
        do {
            return try Policy.decode(json: json)
        } catch {
            throw SettingsError("policy" + (error.field.map { ".\($0)" } ?? ""), origin, error.message)
        }
    }
}
