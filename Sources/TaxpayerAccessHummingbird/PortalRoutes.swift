#if HTTP
public import Hummingbird
public import TaxpayerAccess
import Foundation

extension Portal {
    /// The caller of the request, when it may do `action` on `account` now (RULES L2, L4): the guard of a route that
    /// acts on an account, from the resolver, with no await.
    ///
    /// ```swift
    /// router.post("/api/accounts/{account}/returns") { request, context in
    ///     let caller = try portal.requireAccess(context, account: AccountID(try context.parameters.require("account")), action: .file)
    ///     …
    /// }
    /// ```
    ///
    /// - Throws: `AccessError/Code/sessionExpired` (401) without a live session; `AccessError/Code/stepRequired`
    ///   (403) before two-step verification; `AccessError/Code/notAuthorized` (403) when the check says no — the
    ///   same whether the account exists (RULES L4).
    public func requireAccess(_ context: PortalRequestContext, account: AccountID, action: AccountAction) throws
        -> SignedIn
    {
        let caller = try context.requireSignedIn()
        guard caller.stage == .authenticated else {
            throw AccessError(.stepRequired, "Finish signing in with your security code first.")
        }
        guard check(caller, account: account, action: action) else {
            throw AccessError(.notAuthorized, "You do not have access to do that on this account.")
        }
        return caller
    }
}

/// How the reference server is set up: its cookies and the origins its pages are served from.
public struct PortalHTTPConfiguration: Sendable {
    /// The cookies' names and lifetimes.
    public var cookies: PortalCookies
    /// The origins a state-changing cookie request may come from (``CSRFMiddleware``); empty: any.
    public var allowedOrigins: Set<String>
    /// The most unauthenticated requests that hash a password at once (``PasswordAdmissionMiddleware``); more are
    /// refused with 429 before any work.
    public var maxConcurrentPasswordRequests: Int
    /// The agency operators who may call the `/api/agency` routes (``OperatorMiddleware``); none: those routes
    /// answer 401 to every request.
    public var operators: AgencyOperators

    /// Four hashing requests per core: enough to keep the hashing threads busy, few enough that a burst waits
    /// tens of milliseconds rather than seconds.
    public static let defaultMaxConcurrentPasswordRequests = 4 * ProcessInfo.processInfo.activeProcessorCount

    /// A configuration for `policy`'s lifetimes, accepting `allowedOrigins`, admitting
    /// `maxConcurrentPasswordRequests` hashing requests at once (default: four per core), and `operators` on the
    /// agency's routes.
    public init(
        policy: Policy, allowedOrigins: Set<String> = [],
        maxConcurrentPasswordRequests: Int = PortalHTTPConfiguration.defaultMaxConcurrentPasswordRequests,
        operators: AgencyOperators = AgencyOperators()
    ) {
        cookies = PortalCookies(policy: policy)
        self.allowedOrigins = allowedOrigins
        self.maxConcurrentPasswordRequests = maxConcurrentPasswordRequests
        self.operators = operators
    }
}

/// The portal's JSON API on Hummingbird: every route of Documentation/HTTP.md behind the request log, Hummingbird's
/// metrics middleware (request counts, errors and durations by route pattern, method and status, through
/// swift-metrics: bootstrap `MetricsSystem` to collect them), the problem middleware, admission before slow hashing
/// (``PasswordAdmissionMiddleware``), CSRF defence and the session middleware, the agency's operator routes behind
/// ``OperatorMiddleware``, and the OpenAPI document at `/openapi.json`.
///
/// ```swift
/// let router = PortalHTTP.router(portal: portal)
/// let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
/// try await app.runService()
/// ```
public enum PortalHTTP {
    /// A router serving `portal`.
    public static func router(portal: Portal, configuration: PortalHTTPConfiguration? = nil)
        -> Router<PortalRequestContext>
    {
        let configuration = configuration ?? PortalHTTPConfiguration(policy: portal.policy)
        let router = Router(context: PortalRequestContext.self)
        router.add(middleware: RequestLogMiddleware())
        // Counts and latencies per route pattern (never the concrete path: no ids) through swift-metrics.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: PasswordAdmissionMiddleware(limit: configuration.maxConcurrentPasswordRequests))
        router.add(middleware: CSRFMiddleware(allowedOrigins: configuration.allowedOrigins))
        router.add(middleware: SessionMiddleware(portal: portal, cookies: configuration.cookies))
        let routes = Routes(portal: portal, cookies: configuration.cookies)
        routes.addDocument(to: router)
        routes.addIdentity(to: router)
        routes.addSession(to: router)
        routes.addProfile(to: router)
        routes.addInbox(to: router)
        routes.addThirdParty(to: router)
        routes.addAdministration(to: router)
        routes.addFirm(to: router)
        routes.addAgency(to: router, operators: configuration.operators)
        return router
    }

    /// The OpenAPI 3.1 document of the routes (Resources/openapi.json).
    public static var openAPIDocument: [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url)
        else { return Array("{}".utf8) }
        return Array(data)
    }
}

/// The handlers, grouped by flow.
struct Routes: Sendable {
    let portal: Portal
    let cookies: PortalCookies
    typealias R = Router<PortalRequestContext>

    func addDocument(to router: R) {
        let document = PortalHTTP.openAPIDocument
        router.get("/openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: document)))
        }
        router.get("/health") { _, _ -> Response in PortalJSON.empty() }
    }

    // MARK: Registration, activation, recovery (RULES R1–R12, V1–V2)

    func addIdentity(to router: R) {
        let portal = portal
        router.post("/api/registrations") { request, _ -> Response in
            let body = try await PortalJSON.decode(RegistrationBody.self, from: request)
            let receipt = try await portal.registration.submit(try body.application())
            return try PortalJSON.response(
                ReceiptAnswer(
                    registration: receipt.registration.rawValue, confirmationNumber: receipt.confirmationNumber,
                    submittedAt: receipt.submittedAt, approved: receipt.approved), status: .created)
        }
        router.post("/api/registrations/preview") { request, _ -> Response in
            let body = try await PortalJSON.decode(RegistrationBody.self, from: request)
            let preview = try await portal.registration.preview(try body.application())
            return try PortalJSON.response(
                PreviewAnswer(
                    role: preview.role.rawValue, accountType: preview.accountType?.rawValue,
                    level: preview.level?.name, message: preview.message))
        }
        router.post("/api/activation") { request, _ -> Response in
            let body = try await PortalJSON.decode(TokenBody.self, from: request)
            try await portal.registration.activate(token: body.token)
            return PortalJSON.empty()
        }
        router.post("/api/recovery/username") { request, _ -> Response in
            let body = try await PortalJSON.decode(EmailBody.self, from: request)
            try await portal.recovery.forgotUsername(email: body.email)
            return PortalJSON.empty(.accepted)
        }
        router.post("/api/recovery/password") { request, _ -> Response in
            let body = try await PortalJSON.decode(UsernameBody.self, from: request)
            try await portal.recovery.forgotPassword(username: body.username)
            return PortalJSON.empty(.accepted)
        }
        router.post("/api/recovery/reset/question") { request, _ -> Response in
            let body = try await PortalJSON.decode(TokenBody.self, from: request)
            let question = try await portal.recovery.securityQuestion(forResetToken: body.token)
            return try PortalJSON.response(QuestionAnswer(securityQuestion: question?.rawValue, text: question?.text))
        }
        router.post("/api/recovery/reset") { request, _ -> Response in
            let body = try await PortalJSON.decode(ResetBody.self, from: request)
            try await portal.recovery.resetPassword(
                token: body.token, securityAnswer: body.securityAnswer, newPassword: body.newPassword,
                confirmation: body.confirmation)
            return PortalJSON.empty()
        }
        router.post("/api/secondary-completion") { request, _ -> Response in
            let body = try await PortalJSON.decode(CompletionBody.self, from: request)
            let logon = try await portal.firm.completeSecondary(
                linkToken: body.token, username: body.username, password: body.password)
            return try PortalJSON.response(LogonAnswer(logon: logon.rawValue), status: .created)
        }
    }

    // MARK: Sign-in, two-step verification, sign-out, profile (RULES A1–A8, P1–P3)

    func addSession(to router: R) {
        let portal = portal
        let cookies = cookies
        router.post("/api/session") { request, context -> Response in
            let body = try await PortalJSON.decode(LoginBody.self, from: request)
            let device = body.deviceToken ?? request.cookies[cookies.deviceName]?.value
            let result = try await portal.authentication.login(
                username: body.username, password: body.password, deviceToken: device)
            let bearer = body.bearer ?? false
            var response = try PortalJSON.response(
                LoginAnswer(
                    stage: result.stage.rawValue, codeMethod: result.codeMethod?.rawValue,
                    codeSentTo: result.codeSentTo, methods: result.methods.map(MethodAnswer.init),
                    sessionToken: bearer ? result.sessionToken : nil))
            if !bearer { response.setCookie(cookies.session(result.sessionToken)) }
            return response
        }
        router.post("/api/session/code") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(SendCodeBody.self, from: request)
            let kind = try body.method.map { try parse($0, field: "method") { TwoStepKind(rawValue: $0) } }
            let sentTo = try await portal.authentication.sendCode(caller, method: kind)
            return try PortalJSON.response(SentAnswer(sentTo: sentTo))
        }
        router.post("/api/session/verify") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(VerifyBody.self, from: request)
            let verified = try await portal.authentication.verifyCode(
                caller, code: body.code, trustDevice: body.trustDevice ?? false)
            let bearer = context.sessionSource == .bearer
            var response = try PortalJSON.response(
                VerifiedAnswer(
                    stage: SessionStage.authenticated.rawValue, deviceToken: bearer ? verified.deviceToken : nil))
            if !bearer, let device = verified.deviceToken { response.setCookie(cookies.device(device)) }
            return response
        }
        router.post("/api/session/two-step") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(SetupBody.self, from: request)
            let challenge = try await portal.authentication.beginTwoStepSetup(caller, try body.request())
            return try PortalJSON.response(
                ChallengeAnswer(
                    kind: challenge.kind.rawValue, codeSentTo: challenge.codeSentTo, secret: challenge.secret,
                    provisioningURI: challenge.provisioningURI))
        }
        router.post("/api/session/two-step/complete") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(CodeBody.self, from: request)
            try await portal.authentication.completeTwoStepSetup(caller, code: body.code)
            return PortalJSON.empty()
        }
        router.delete("/api/session") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.authentication.logout(caller)
            var response = PortalJSON.empty()
            if context.sessionSource == .cookie { response.setCookie(cookies.sessionCleared) }
            return response
        }
        router.get("/api/me") { _, context -> Response in
            let caller = try context.requireSignedIn()
            return try PortalJSON.response(MeAnswer(try await portal.profile.whoAmI(caller)))
        }
        router.post("/api/me/password") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(ChangePasswordBody.self, from: request)
            try await portal.profile.changePassword(
                caller, currentPassword: body.currentPassword, newPassword: body.newPassword,
                confirmation: body.confirmation)
            return PortalJSON.empty()
        }
        router.post("/api/me/email") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(ChangeEmailBody.self, from: request)
            try await portal.profile.changeEmail(
                caller, currentPassword: body.currentPassword, newEmail: body.newEmail, confirmation: body.confirmation)
            return PortalJSON.empty()
        }
        router.post("/api/me/pin") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(ChangePINBody.self, from: request)
            try await portal.profile.changePIN(
                caller, currentPassword: body.currentPassword, newPIN: body.newPIN, confirmation: body.confirmation)
            return PortalJSON.empty()
        }
    }

    func addProfile(to router: R) {
        let portal = portal
        let cookies = cookies
        router.post("/api/me/phone") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(ChangePhoneBody.self, from: request)
            try await portal.profile.changePhone(
                caller, currentPassword: body.currentPassword, countryCode: body.countryCode ?? "1",
                type: try parse(body.type ?? "mobile", field: "type") { PhoneNumber.LineType(rawValue: $0) },
                number: body.number)
            return PortalJSON.empty()
        }
        router.post("/api/me/security-question") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(ChangeQuestionBody.self, from: request)
            try await portal.profile.changeSecurityQuestion(
                caller, currentPassword: body.currentPassword,
                question: try parse(body.question, field: "question") { SecurityQuestion(rawValue: $0) },
                answer: body.answer)
            return PortalJSON.empty()
        }
        router.post("/api/me/two-step-methods") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(AddMethodBody.self, from: request)
            let challenge = try await portal.profile.addTwoStepMethod(
                caller, currentPassword: body.currentPassword, try body.setup.request())
            return try PortalJSON.response(
                ChallengeAnswer(
                    kind: challenge.kind.rawValue, codeSentTo: challenge.codeSentTo, secret: challenge.secret,
                    provisioningURI: challenge.provisioningURI))
        }
        router.post("/api/me/two-step-methods/confirm") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(CodeBody.self, from: request)
            try await portal.profile.confirmTwoStepMethod(caller, code: body.code)
            return PortalJSON.empty()
        }
        router.post("/api/me/two-step-methods/{kind}/remove") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(RemoveMethodBody.self, from: request)
            let kind = try parse(try context.parameters.require("kind"), field: "kind") { TwoStepKind(rawValue: $0) }
            try await portal.profile.removeTwoStepMethod(caller, currentPassword: body.currentPassword, kind: kind)
            return PortalJSON.empty()
        }
        // P2: Delete My Profile, confirmed by the current password; the caller's sessions end with it.
        router.post("/api/me/delete") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(RemoveMethodBody.self, from: request)
            try await portal.profile.deleteProfile(caller, currentPassword: body.currentPassword)
            var response = PortalJSON.empty()
            if context.sessionSource == .cookie { response.setCookie(cookies.sessionCleared) }
            return response
        }
    }

    // MARK: The inbox (RULES N3)

    func addInbox(to router: R) {
        let portal = portal
        router.get("/api/inbox") { _, context -> Response in
            let listing = try await portal.inbox.messages(try context.requireSignedIn())
            return try PortalJSON.response(
                InboxAnswer(unread: listing.unread, messages: listing.messages.map(MessageAnswer.init)))
        }
        router.post("/api/inbox/{message}/open") { _, context -> Response in
            let caller = try context.requireSignedIn()
            let id = MessageID(try context.parameters.require("message"))
            return try PortalJSON.response(MessageAnswer(try await portal.inbox.open(caller, message: id)))
        }
        router.delete("/api/inbox/{message}") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.inbox.delete(caller, message: MessageID(try context.parameters.require("message")))
            return PortalJSON.empty()
        }
    }

    // MARK: Third-party access, clients, the access check (RULES X1–X10, L2)

    func addThirdParty(to router: R) {
        let portal = portal
        router.post("/api/access-requests") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(AccessRequestBody.self, from: request)
            let idType = try parse(body.idType, field: "idType") { IDType(rawValue: $0.uppercased()) }
            let channel = try parse(body.channel ?? "online", field: "channel") { ApprovalChannel(rawValue: $0) }
            let receipt: AccessRequestReceipt
            switch (body.accounts, body.choices) {
            case (let accounts?, nil):
                receipt = try await portal.thirdParties.requestAccess(
                    caller, idType: idType, idNumber: body.idNumber, legalName: body.legalName,
                    accounts: try parseLevels(accounts), channel: channel)
            case (nil, let choices?):
                var levels: [AccountChoice: AccessLevel] = [:]
                for (choice, name) in choices {
                    levels[AccountChoice(rawValue: choice)] = try parse(name, field: "choices.\(choice)") {
                        AccessLevel(name: $0)
                    }
                }
                receipt = try await portal.thirdParties.requestAccess(
                    caller, idType: idType, idNumber: body.idNumber, legalName: body.legalName, choices: levels,
                    channel: channel)
            default:
                throw AccessError.invalid(
                    "accounts", "Name the accounts either by id (\"accounts\") or by choice (\"choices\"), not both.")
            }
            return try PortalJSON.response(
                RequestReceiptAnswer(
                    request: receipt.request.rawValue, confirmationNumber: receipt.confirmationNumber,
                    expiresAt: receipt.expiresAt, printableAuthorization: receipt.printableAuthorization),
                status: .created)
        }
        // X2: once ID and name match, the accounts the caller may ask for, each named by an opaque choice.
        router.post("/api/access-requests/accounts") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(TaxpayerMatchBody.self, from: request)
            let offered = try await portal.thirdParties.requestableAccounts(
                caller, idType: try parse(body.idType, field: "idType") { IDType(rawValue: $0.uppercased()) },
                idNumber: body.idNumber, legalName: body.legalName)
            return try PortalJSON.response(offered.map(RequestableAnswer.init))
        }
        // X4: the printable authorization of one of the caller's own requests, again.
        router.get("/api/access-requests/{request}/authorization") { _, context -> Response in
            let text = try await portal.thirdParties.printableAuthorization(
                try context.requireSignedIn(), request: AccessRequestID(try context.parameters.require("request")))
            return try PortalJSON.response(AuthorizationAnswer(printableAuthorization: text))
        }
        router.get("/api/access-requests") { _, context -> Response in
            // X2: the requester sees its accounts masked, as the listing showed them, whatever it asked by.
            let requests = try await portal.thirdParties.myRequests(try context.requireSignedIn())
            return try PortalJSON.response(requests.map(MyAccessRequestAnswer.init))
        }
        router.get("/api/access-requests/pending") { _, context -> Response in
            let requests = try await portal.thirdParties.pendingRequests(try context.requireSignedIn())
            return try PortalJSON.response(requests.map(AccessRequestAnswer.init))
        }
        router.post("/api/access-requests/{request}/approve") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let id = AccessRequestID(try context.parameters.require("request"))
            let body = try await PortalJSON.decode(LevelsBody.self, from: request)
            try await portal.thirdParties.approve(
                caller, request: id, levels: try parseLevels(body.levels, field: "levels"))
            return PortalJSON.empty()
        }
        router.post("/api/access-requests/{request}/deny") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.thirdParties.deny(
                caller, request: AccessRequestID(try context.parameters.require("request")))
            return PortalJSON.empty()
        }
        router.get("/api/clients") { _, context -> Response in
            let clients = try await portal.thirdParties.clients(try context.requireSignedIn())
            return try PortalJSON.response(
                clients.map {
                    ClientAnswer(
                        taxpayer: $0.taxpayer.rawValue, legalName: $0.legalName, maskedTaxID: $0.maskedTaxID,
                        isOwnBusiness: $0.isOwnBusiness, isFavourite: $0.isFavourite, accounts: levelNames($0.accounts))
                })
        }
        router.put("/api/clients/{taxpayer}/favourite") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(FavouriteBody.self, from: request)
            try await portal.thirdParties.setFavourite(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")), favourite: body.favourite)
            return PortalJSON.empty()
        }
        // X9: the third party cancels its own access to a client: the accounts given, or all of them.
        router.post("/api/clients/{taxpayer}/cancel") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(CancelOwnBody.self, from: request)
            try await portal.thirdParties.cancelOwnAccess(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")), accounts: try body.chosen())
            return PortalJSON.empty()
        }
        router.get("/api/accounts/{account}/actions/{action}") { _, context -> Response in
            let account = AccountID(try context.parameters.require("account"))
            let action = try parse(try context.parameters.require("action"), field: "action") {
                AccountAction(rawValue: $0)
            }
            _ = try portal.requireAccess(context, account: account, action: action)
            return try PortalJSON.response(
                CheckAnswer(account: account.rawValue, action: action.rawValue, allowed: true))
        }
    }

    // MARK: A taxpayer's administration (RULES M1–M4, W1, X8, X9)

    func addAdministration(to router: R) {
        let portal = portal
        router.get("/api/taxpayers/{taxpayer}/access") { _, context -> Response in
            let caller = try context.requireSignedIn()
            let holders = try await portal.taxpayers.whoHasAccess(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")))
            return try PortalJSON.response(
                holders.map {
                    HolderAnswer(
                        logon: $0.logon.rawValue, fullName: $0.fullName, routes: $0.routes.map(HolderAnswer.Route.init),
                        accounts: levelNames($0.accounts))
                })
        }
        router.put("/api/taxpayers/{taxpayer}/logons/{logon}/accounts/{account}") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(LevelBody.self, from: request)
            try await portal.taxpayers.setAccountLevel(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                logon: LogonID(try context.parameters.require("logon")),
                account: AccountID(try context.parameters.require("account")),
                level: try body.level.map { try parse($0, field: "level") { AccessLevel(name: $0) } })
            return PortalJSON.empty()
        }
        router.post("/api/taxpayers/{taxpayer}/logons/{logon}/promote") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.taxpayers.promote(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                logon: LogonID(try context.parameters.require("logon")))
            return PortalJSON.empty()
        }
        router.post("/api/taxpayers/{taxpayer}/logons/{logon}/demote") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(OptionalLevelsBody.self, from: request)
            try await portal.taxpayers.demote(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                logon: LogonID(try context.parameters.require("logon")),
                levels: try body.levels.map { try parseLevels($0, field: "levels") })
            return PortalJSON.empty()
        }
        // M3: an MA cancels a Tax Administrator's access; M4: a logon naming itself cancels its own.
        router.delete("/api/taxpayers/{taxpayer}/logons/{logon}") { _, context -> Response in
            let caller = try context.requireSignedIn()
            let taxpayer = TaxpayerID(try context.parameters.require("taxpayer"))
            let logon = LogonID(try context.parameters.require("logon"))
            if logon == caller.logonID {
                try await portal.taxpayers.cancelOwnAccess(caller, taxpayer: taxpayer)
            } else {
                try await portal.taxpayers.cancelAccess(caller, taxpayer: taxpayer, logon: logon)
            }
            return PortalJSON.empty()
        }
        router.post("/api/taxpayers/{taxpayer}/tax-administrators") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(GrantBody.self, from: request)
            try await portal.taxpayers.grantTaxAdministrator(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")), logon: LogonID(body.logon),
                levels: try parseLevels(body.levels, field: "levels"))
            return PortalJSON.empty()
        }
        router.put("/api/taxpayers/{taxpayer}/third-parties/{logon}") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(LevelsBody.self, from: request)
            try await portal.thirdParties.changeAccess(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                thirdParty: LogonID(try context.parameters.require("logon")),
                levels: try parseLevels(body.levels, field: "levels"))
            return PortalJSON.empty()
        }
        router.delete("/api/taxpayers/{taxpayer}/third-parties/{logon}") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.thirdParties.cancelAccess(
                caller, taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                thirdParty: LogonID(try context.parameters.require("logon")))
            return PortalJSON.empty()
        }
    }

    // MARK: Firm administration (RULES S1–S9)

    func addFirm(to router: R) {
        let portal = portal
        router.get("/api/firm/secondaries") { _, context -> Response in
            let logons = try await portal.firm.secondaries(try context.requireSignedIn())
            return try PortalJSON.response(
                logons.map {
                    SecondaryAnswer(
                        logon: $0.id.rawValue, username: $0.username, fullName: $0.fullName, status: $0.status.rawValue)
                })
        }
        router.post("/api/firm/secondaries") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(SecondaryBody.self, from: request)
            let logon = try await portal.firm.addSecondary(caller, try body.secondary())
            return try PortalJSON.response(LogonAnswer(logon: logon.rawValue), status: .created)
        }
        router.delete("/api/firm/secondaries/{logon}") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.firm.cancel(caller, secondary: LogonID(try context.parameters.require("logon")))
            return PortalJSON.empty()
        }
        router.put("/api/firm/secondaries/{logon}/groups") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(GroupsBody.self, from: request)
            try await portal.firm.setGroups(
                caller, secondary: LogonID(try context.parameters.require("logon")),
                groups: body.groups.map { SecurityGroupID($0) })
            return PortalJSON.empty()
        }
        router.put("/api/firm/secondaries/{logon}/access-type") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(AccessTypeBody.self, from: request)
            try await portal.firm.setAccessType(
                caller, secondary: LogonID(try context.parameters.require("logon")), to: try body.parsed())
            return PortalJSON.empty()
        }
        router.put("/api/firm/secondaries/{logon}/account-types") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(AccountTypesBody.self, from: request)
            try await portal.firm.setAccountTypes(
                caller, secondary: LogonID(try context.parameters.require("logon")),
                to: body.accountTypes.map { Set($0.map { AccountType($0) }) })
            return PortalJSON.empty()
        }
        router.put("/api/firm/secondaries/{logon}/refinements/{taxpayer}") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(LevelsBody.self, from: request)
            try await portal.firm.setRefinement(
                caller, secondary: LogonID(try context.parameters.require("logon")),
                taxpayer: TaxpayerID(try context.parameters.require("taxpayer")),
                accounts: try parseLevels(body.levels, field: "levels"))
            return PortalJSON.empty()
        }
        router.post("/api/firm/secondaries/{logon}/deactivate") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.firm.deactivate(caller, secondary: LogonID(try context.parameters.require("logon")))
            return PortalJSON.empty()
        }
        router.post("/api/firm/secondaries/{logon}/reactivate") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.firm.reactivate(caller, secondary: LogonID(try context.parameters.require("logon")))
            return PortalJSON.empty()
        }
        router.get("/api/firm/groups") { _, context -> Response in
            let groups = try await portal.firm.groups(try context.requireSignedIn())
            return try PortalJSON.response(
                groups.map { GroupAnswer(id: $0.id.rawValue, name: $0.name, isDefault: $0.isDefault) })
        }
        router.post("/api/firm/groups") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(GroupBody.self, from: request)
            let group = try await portal.firm.createGroup(caller, name: body.name)
            return try PortalJSON.response(
                GroupAnswer(id: group.rawValue, name: body.name, isDefault: false), status: .created)
        }
        router.put("/api/firm/groups/{group}") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(GroupBody.self, from: request)
            try await portal.firm.renameGroup(
                caller, group: SecurityGroupID(try context.parameters.require("group")), to: body.name)
            return PortalJSON.empty()
        }
        router.delete("/api/firm/groups/{group}") { _, context -> Response in
            let caller = try context.requireSignedIn()
            try await portal.firm.deleteGroup(caller, group: SecurityGroupID(try context.parameters.require("group")))
            return PortalJSON.empty()
        }
        router.post("/api/firm/groups/{group}/taxpayers") { request, context -> Response in
            let caller = try context.requireSignedIn()
            let body = try await PortalJSON.decode(TaxpayerBody.self, from: request)
            try await portal.firm.assignTaxpayer(
                caller, taxpayer: TaxpayerID(body.taxpayer),
                to: SecurityGroupID(try context.parameters.require("group")))
            return PortalJSON.empty()
        }
    }
}
#endif
