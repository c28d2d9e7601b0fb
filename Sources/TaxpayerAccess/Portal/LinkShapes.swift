/// How the portal's links look: where each single-use link of an email points and where its token goes (RULES R12,
/// V1, V2, S2).
///
/// By default the token goes in the URL's fragment (`https://portal.example.gov/activate#token=…`): browsers never
/// send a fragment to the server, so request logs and proxies never see a live token, and the page the link opens
/// redeems it with a POST (``RegistrationService/activate(token:)``, ``Recovery/resetPassword(token:securityAnswer:newPassword:confirmation:)``,
/// ``FirmAdministration/completeSecondary(linkToken:username:password:)``). A path placement suits a portal that
/// routes on it; a query placement is available but puts the token in every access log on the way.
///
/// ```swift
/// var links = LinkShapes.standard(portalURL: "https://tax.example.gov")
/// links.passwordReset = LinkShapes.Shape(base: "https://tax.example.gov/account/reset", placement: .path)
/// links.url(.passwordReset, token: "Zm9v")   // "https://tax.example.gov/account/reset/Zm9v"
/// ```
public struct LinkShapes: Sendable, Hashable, Codable {
    /// Where a token goes in a link.
    public enum Placement: String, Sendable, Hashable, Codable, CaseIterable {
        /// `base#token=TOKEN`: never sent to a server (the default).
        case fragment
        /// `base/TOKEN`.
        case path
        /// `base?token=TOKEN`: logged by every server and proxy on the way; avoid.
        case query
    }

    /// One link's shape: an absolute `https` (or, for development, `http`) URL and where the token goes.
    public struct Shape: Sendable, Hashable, Codable {
        public var base: String
        public var placement: Placement
        public init(base: String, placement: Placement = .fragment) {
            self.base = base
            self.placement = placement
        }

        /// The link carrying `token`.
        public func url(token: String) -> String {
            let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
            switch placement {
            case .fragment: return "\(trimmed)#token=\(token)"
            case .path: return "\(trimmed)/\(token)"
            case .query: return "\(trimmed)\(trimmed.contains("?") ? "&" : "?")token=\(token)"
            }
        }
    }

    /// The link that activates a new logon (RULES R12).
    public var activation: Shape
    /// The link that sets a new password (RULES V1, V2).
    public var passwordReset: Shape
    /// The link that completes a secondary logon (RULES S2).
    public var secondaryCompletion: Shape
    /// The portal's address, for the "log in to read it" of notice emails (RULES N1).
    public var portalURL: String

    public init(activation: Shape, passwordReset: Shape, secondaryCompletion: Shape, portalURL: String) {
        self.activation = activation
        self.passwordReset = passwordReset
        self.secondaryCompletion = secondaryCompletion
        self.portalURL = portalURL
    }

    /// `{portalURL}/activate`, `/reset-password`, `/complete-logon`, each with the token in the fragment.
    public static func standard(portalURL: String) -> LinkShapes {
        let base = portalURL.hasSuffix("/") ? String(portalURL.dropLast()) : portalURL
        return LinkShapes(
            activation: Shape(base: base + "/activate"), passwordReset: Shape(base: base + "/reset-password"),
            secondaryCompletion: Shape(base: base + "/complete-logon"), portalURL: base)
    }

    /// What a link is for.
    public enum Purpose: String, Sendable, Hashable, CaseIterable {
        case activation, passwordReset, secondaryCompletion
    }

    /// The link of `purpose` carrying `token`.
    public func url(_ purpose: Purpose, token: String) -> String {
        switch purpose {
        case .activation: activation.url(token: token)
        case .passwordReset: passwordReset.url(token: token)
        case .secondaryCompletion: secondaryCompletion.url(token: token)
        }
    }

    /// Refuses a shape that is not an absolute http(s) URL without a fragment, naming the setting.
    ///
    /// - Throws: ``AccessError/Code/misconfigured``.
    public func validate() throws(AccessError) {
        for (name, shape) in [
            ("activation", activation), ("passwordReset", passwordReset),
            ("secondaryCompletion", secondaryCompletion),
        ] {
            let base = shape.base
            guard base.hasPrefix("https://") || base.hasPrefix("http://"), !base.contains("#"),
                base.split(separator: "/").count >= 2, !base.contains(where: { $0.isWhitespace })
            else {
                throw AccessError.misconfigured(
                    "links.\(name): \"\(base)\" is not an absolute http(s) URL without a fragment.")
            }
        }
        guard portalURL.hasPrefix("https://") || portalURL.hasPrefix("http://") else {
            throw AccessError.misconfigured("links.portalURL: \"\(portalURL)\" is not an absolute http(s) URL.")
        }
    }
}
