#if HTTP
public import Hummingbird
public import TaxpayerAccess

/// The names and attributes of the portal's two cookies: the session and the trusted device (RULES A6, A7).
///
/// Both are `HttpOnly` (no script reads them), `Secure` (sent over HTTPS only), `SameSite=Strict` (never sent on a
/// request another site starts) and `Path=/`. The session cookie lives no longer than the policy's absolute session
/// lifetime, the device cookie no longer than its trusted-device lifetime.
///
/// ```swift
/// let cookies = PortalCookies(policy: portal.policy)
/// response.setCookie(cookies.session(token))
/// ```
public struct PortalCookies: Sendable, Hashable {
    /// The session cookie's name.
    public var sessionName: String
    /// The trusted-device cookie's name.
    public var deviceName: String
    /// Max-Age of the session cookie, in seconds.
    public var sessionMaxAge: Int
    /// Max-Age of the device cookie, in seconds; `nil` when the policy turns trusted devices off.
    public var deviceMaxAge: Int?

    /// The cookies for `policy`, named `__Host-ta_session` and `__Host-ta_device` unless told.
    public init(policy: Policy, sessionName: String = "__Host-ta_session", deviceName: String = "__Host-ta_device") {
        self.sessionName = sessionName
        self.deviceName = deviceName
        sessionMaxAge = Int(policy.sessionAbsoluteLifetime.components.seconds)
        deviceMaxAge = policy.trustedDeviceLifetime.map { Int($0.components.seconds) }
    }

    /// The session cookie carrying `token`.
    public func session(_ token: String) -> Cookie {
        Self.cookie(sessionName, token, maxAge: sessionMaxAge)
    }

    /// The trusted-device cookie carrying `token`.
    public func device(_ token: String) -> Cookie {
        Self.cookie(deviceName, token, maxAge: deviceMaxAge ?? 0)
    }

    /// A cookie that makes the browser forget the session (sign-out).
    public var sessionCleared: Cookie { Self.cookie(sessionName, "", maxAge: 0) }

    static func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }
}
#endif
