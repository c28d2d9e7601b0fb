#if HTTP
import TaxpayerAccess
import Foundation

// The JSON bodies of the routes (Resources/openapi.json describes each). Levels, actions, id types and enums travel
// by their names (`viewOnly`, `file`, `SSN`, `firstPet`), ids as their strings.

/// Parses the JSON name of an enum-like value, or refuses the field (422, RULES R1: the field is named).
func parse<T>(_ text: String, field: String, _ make: (String) -> T?) throws -> T {
    guard let value = make(text) else {
        throw AccessError.invalid(field, "\"\(field)\" does not take this value.")
    }
    return value
}

func parseLevels(_ levels: [String: String], field: String = "accounts") throws -> [AccountID: AccessLevel] {
    var result: [AccountID: AccessLevel] = [:]
    for (account, name) in levels {
        result[AccountID(account)] = try parse(name, field: "\(field).\(account)") { AccessLevel(name: $0) }
    }
    return result
}

func levelNames(_ levels: [AccountID: AccessLevel]) -> [String: String] {
    Dictionary(uniqueKeysWithValues: levels.map { ($0.key.rawValue, $0.value.name) })
}

/// A who-has-access entry's levels by account id, by level name.
func levelNames(_ levels: AccountLevels) -> [String: String] {
    Dictionary(uniqueKeysWithValues: levels.map { ($0.account.rawValue, $0.level.name) })
}

struct RegistrationBody: Decodable {
    struct Proof: Decodable {
        /// `amountDue`, `refund`, `lineItem` or `letterID`.
        var kind: String
        var amount: String?
        var name: String?
        var letterID: String?
    }
    var idType: String
    var idNumber: String
    var idNumberAgain: String
    var accountType: String
    var proof: Proof
    var fullName: String
    var phoneCountryCode: String?
    var phoneType: String?
    var phoneNumber: String
    var pin: String
    var email: String
    var emailAgain: String
    var username: String
    var password: String
    var passwordAgain: String
    var securityQuestion: String?
    var securityAnswer: String
    var clientManagement: Bool?
    var acceptedTerms: Bool

    func application() throws -> RegistrationService.Application {
        let amount = { () throws -> Cents in
            guard let text = proof.amount, let cents = Cents(parsing: text) else {
                throw AccessError.invalid("proof.amount", "Enter the amount in dollars and cents, e.g. 1234.56.")
            }
            return cents
        }
        let identityProof: IdentityProof
        switch proof.kind {
        case "amountDue": identityProof = .amountDue(try amount())
        case "refund": identityProof = .refund(try amount())
        case "lineItem": identityProof = .lineItem(name: proof.name ?? "", amount: try amount())
        case "letterID": identityProof = .letterID(proof.letterID ?? "")
        default: throw AccessError.invalid("proof.kind", "Choose amountDue, refund, lineItem or letterID.")
        }
        return RegistrationService.Application(
            idType: try parse(idType, field: "idType") { IDType(rawValue: $0.uppercased()) },
            idNumber: idNumber, idNumberAgain: idNumberAgain, accountType: AccountType(accountType),
            proof: identityProof, fullName: fullName, phoneCountryCode: phoneCountryCode ?? "1",
            phoneType: try parse(phoneType ?? "mobile", field: "phoneType") { PhoneNumber.LineType(rawValue: $0) },
            phoneNumber: phoneNumber, pin: pin, email: email, emailAgain: emailAgain, username: username,
            password: password, passwordAgain: passwordAgain,
            securityQuestion: try securityQuestion.map {
                try parse($0, field: "securityQuestion") { SecurityQuestion(rawValue: $0) }
            },
            securityAnswer: securityAnswer, clientManagement: clientManagement ?? false, acceptedTerms: acceptedTerms)
    }
}

struct ReceiptAnswer: Encodable {
    var registration: String
    var confirmationNumber: String
    var submittedAt: Date
    var approved: Bool
}

struct PreviewAnswer: Encodable {
    var role: String
    var accountType: String?
    var level: String?
    var message: String
}

struct TokenBody: Decodable {
    var token: String
}

struct LoginBody: Decodable {
    var username: String
    var password: String
    /// `true`: answer the session token in the body (for `Authorization: Bearer`) instead of setting the cookie.
    var bearer: Bool?
    /// A trusted device's token, for a bearer client (a browser sends the device cookie instead).
    var deviceToken: String?
}

struct MethodAnswer: Encodable {
    var kind: String
    var destination: String

    init(_ choice: Authentication.MethodChoice) {
        kind = choice.kind.rawValue
        destination = choice.destination
    }
}

struct LoginAnswer: Encodable {
    var stage: String
    var codeMethod: String?
    var codeSentTo: String?
    var methods: [MethodAnswer]
    var sessionToken: String?
}

struct SendCodeBody: Decodable {
    var method: String?
}

struct SentAnswer: Encodable {
    var sentTo: String
}

struct VerifyBody: Decodable {
    var code: String
    var trustDevice: Bool?
}

struct VerifiedAnswer: Encodable {
    var stage: String
    var deviceToken: String?
}

struct SetupBody: Decodable {
    /// `email`, `otherEmail`, `text` or `authenticator`.
    var method: String
    var email: String?
    var countryCode: String?
    var number: String?
    var algorithm: String?

    func request() throws -> Authentication.SetupRequest {
        switch method {
        case "email": return .email
        case "otherEmail": return .otherEmail(email ?? "")
        case "text": return .text(countryCode: countryCode ?? "1", number: number ?? "")
        case "authenticator":
            return .authenticator(
                try parse(algorithm ?? "SHA1", field: "algorithm") { TOTPAlgorithm(rawValue: $0.uppercased()) })
        default: throw AccessError.invalid("method", "Choose email, otherEmail, text or authenticator.")
        }
    }
}

struct ChallengeAnswer: Encodable {
    var kind: String
    var codeSentTo: String?
    var secret: String?
    var provisioningURI: String?
}

struct CodeBody: Decodable {
    var code: String
}

struct MeAnswer: Encodable {
    struct Right: Encodable {
        var account: String
        var type: String
        var level: String
    }
    struct Role: Encodable {
        var taxpayer: String
        var legalName: String
        var maskedID: String
        var relationship: String
        var parent: String?
        var accounts: [Right]
    }
    var logon: String
    var username: String
    var fullName: String
    var stage: String
    var methods: [MethodAnswer]
    var roles: [Role]

    init(_ me: Profile.Me) {
        logon = me.logon.rawValue
        username = me.username
        fullName = me.fullName
        stage = me.stage.rawValue
        methods = me.methods.map(MethodAnswer.init)
        roles = me.roles.map { rights in
            let (relationship, parent): (String, String?) =
                switch rights.relationship {
                case .masterAdministrator: ("masterAdministrator", nil)
                case .taxAdministrator: ("taxAdministrator", nil)
                case .thirdParty: ("thirdParty", nil)
                case .secondary(let parent): ("secondary", parent.rawValue)
                }
            return Role(
                taxpayer: rights.taxpayer.rawValue, legalName: rights.legalName, maskedID: rights.maskedID,
                relationship: relationship, parent: parent,
                accounts: rights.accounts.map {
                    Right(account: $0.account.rawValue, type: $0.type.rawValue, level: $0.level.name)
                })
        }
    }
}

struct MessageAnswer: Encodable {
    var id: String
    var subject: String
    var body: String
    var createdAt: Date
    var read: Bool

    init(_ message: EMessage) {
        id = message.id.rawValue
        subject = message.subject
        body = message.body
        createdAt = message.createdAt
        read = message.read
    }
}

struct InboxAnswer: Encodable {
    var unread: Int
    var messages: [MessageAnswer]
}

struct AccessRequestBody: Decodable {
    var idType: String
    var idNumber: String
    var legalName: String
    /// The levels wanted by account id; or
    var accounts: [String: String]?
    /// by the choices `POST /api/access-requests/accounts` listed (exactly one of the two).
    var choices: [String: String]?
    var channel: String?
}

struct TaxpayerMatchBody: Decodable {
    var idType: String
    var idNumber: String
    var legalName: String
}

struct RequestableAnswer: Encodable {
    var choice: String
    var type: String
    var maskedNumber: String

    init(_ account: RequestableAccount) {
        choice = account.choice.rawValue
        type = account.type.rawValue
        maskedNumber = account.maskedNumber
    }
}

struct AuthorizationAnswer: Encodable {
    var printableAuthorization: String
}

struct CancelOwnBody: Decodable {
    /// The accounts to give up; or
    var accounts: [String]?
    /// `true`: all of them. A cancel cannot be undone (X9), so an empty body cancels nothing.
    var all: Bool?

    /// The accounts to cancel, `nil` for all.
    ///
    /// - Throws: `invalidInput` naming `accounts` unless exactly one of a non-empty `accounts` and `all: true` is given.
    func chosen() throws -> Set<AccountID>? {
        switch (accounts, all) {
        case (let accounts?, nil) where !accounts.isEmpty: return Set(accounts.map { AccountID($0) })
        case (nil, true?): return nil
        default:
            throw AccessError.invalid(
                "accounts", "Name the accounts to give up (\"accounts\"), or send \"all\": true for every one.")
        }
    }
}

/// A request as its third party sees it (X2): each account by its masked number, never its id.
struct MyAccessRequestAnswer: Encodable {
    struct Account: Encodable {
        var maskedNumber: String
        var level: String
    }
    var id: String
    var confirmationNumber: String
    var taxpayer: String
    var accounts: [Account]
    var channel: String
    var status: String
    var createdAt: Date
    var expiresAt: Date

    init(_ request: AccessRequest) {
        id = request.id.rawValue
        confirmationNumber = request.confirmationNumber
        taxpayer = request.taxpayer.rawValue
        accounts = request.accounts.sorted { $0.key < $1.key }.map {
            Account(maskedNumber: Masking.accountNumber($0.key.rawValue), level: $0.value.name)
        }
        channel = request.channel.rawValue
        status = request.status.rawValue
        createdAt = request.createdAt
        expiresAt = request.expiresAt
    }
}

struct RequestReceiptAnswer: Encodable {
    var request: String
    var confirmationNumber: String
    var expiresAt: Date
    var printableAuthorization: String?
}

struct AccessRequestAnswer: Encodable {
    var id: String
    var confirmationNumber: String
    var thirdParty: String
    var taxpayer: String
    var accounts: [String: String]
    var channel: String
    var status: String
    var createdAt: Date
    var expiresAt: Date

    init(_ request: AccessRequest) {
        id = request.id.rawValue
        confirmationNumber = request.confirmationNumber
        thirdParty = request.thirdParty.rawValue
        taxpayer = request.taxpayer.rawValue
        accounts = levelNames(request.accounts)
        channel = request.channel.rawValue
        status = request.status.rawValue
        createdAt = request.createdAt
        expiresAt = request.expiresAt
    }
}

struct LevelsBody: Decodable {
    var levels: [String: String]
}

struct OptionalLevelsBody: Decodable {
    var levels: [String: String]?
}

struct LevelBody: Decodable {
    /// A level's name, or `null` to take the account away.
    var level: String?
}

struct GrantBody: Decodable {
    var logon: String
    var levels: [String: String]
}

struct HolderAnswer: Encodable {
    /// One path by which the logon reaches the taxpayer (RULES W1): `kind`, and the parent of a secondary.
    struct Route: Encodable {
        var kind: String
        var parent: String?

        init(_ route: AccessRoute) {
            switch route {
            case .masterAdministrator: kind = "masterAdministrator"
            case .taxAdministrator: kind = "taxAdministrator"
            case .thirdParty: kind = "thirdParty"
            case .secondary(of: let logon):
                kind = "secondary"
                parent = logon.rawValue
            }
        }
    }

    var logon: String
    var fullName: String
    var routes: [Route]
    var accounts: [String: String]
}

struct ClientAnswer: Encodable {
    var taxpayer: String
    var legalName: String
    var maskedTaxID: String
    var isOwnBusiness: Bool
    var isFavourite: Bool
    var accounts: [String: String]
}

struct FavouriteBody: Decodable {
    var favourite: Bool
}

struct CheckAnswer: Encodable {
    var account: String
    var action: String
    var allowed: Bool
}

struct EmailBody: Decodable {
    var email: String
}

struct UsernameBody: Decodable {
    var username: String
}

struct QuestionAnswer: Encodable {
    var securityQuestion: String?
    var text: String?
}

struct ResetBody: Decodable {
    var token: String
    var securityAnswer: String?
    var newPassword: String
    var confirmation: String
}

struct ChangePasswordBody: Decodable {
    var currentPassword: String
    var newPassword: String
    var confirmation: String
}

struct ChangeEmailBody: Decodable {
    var currentPassword: String
    var newEmail: String
    var confirmation: String
}

struct ChangePINBody: Decodable {
    var currentPassword: String
    var newPIN: String
    var confirmation: String
}

struct ChangePhoneBody: Decodable {
    var currentPassword: String
    var countryCode: String?
    var type: String?
    var number: String
}

struct ChangeQuestionBody: Decodable {
    var currentPassword: String
    var question: String
    var answer: String
}

struct AddMethodBody: Decodable {
    var currentPassword: String
    var method: String
    var email: String?
    var countryCode: String?
    var number: String?
    var algorithm: String?

    var setup: SetupBody {
        SetupBody(method: method, email: email, countryCode: countryCode, number: number, algorithm: algorithm)
    }
}

struct RemoveMethodBody: Decodable {
    var currentPassword: String
}

struct SecondaryBody: Decodable {
    var fullName: String
    var email: String
    /// `masterAdministrator` or `taxAdministrator`.
    var accessType: String
    /// The cap of a Tax Administrator.
    var cap: String?
    var accountTypes: [String]?
    var groups: [String]?

    func secondary() throws -> NewSecondary {
        let type: SecondaryAccessType
        switch accessType {
        case "masterAdministrator": type = .masterAdministrator
        case "taxAdministrator":
            type = .taxAdministrator(try parse(cap ?? "", field: "cap") { AccessLevel(name: $0) })
        default: throw AccessError.invalid("accessType", "Choose masterAdministrator or taxAdministrator.")
        }
        return NewSecondary(
            fullName: fullName, email: email, accessType: type,
            accountTypes: accountTypes.map { Set($0.map { AccountType($0) }) },
            groups: (groups ?? []).map { SecurityGroupID($0) })
    }
}

struct GroupsBody: Decodable {
    var groups: [String]
}

struct AccessTypeBody: Decodable {
    /// `masterAdministrator` or `taxAdministrator`.
    var accessType: String
    /// The cap of a Tax Administrator.
    var cap: String?

    func parsed() throws -> SecondaryAccessType {
        switch accessType {
        case "masterAdministrator": return .masterAdministrator
        case "taxAdministrator": return .taxAdministrator(try parse(cap ?? "", field: "cap") { AccessLevel(name: $0) })
        default: throw AccessError.invalid("accessType", "Choose masterAdministrator or taxAdministrator.")
        }
    }
}

struct AccountTypesBody: Decodable {
    /// The account types the secondary may reach; `null` for every type.
    var accountTypes: [String]?
}

struct CompletionBody: Decodable {
    var token: String
    var username: String
    var password: String
}

struct LogonAnswer: Encodable {
    var logon: String
}

struct SecondaryAnswer: Encodable {
    var logon: String
    var username: String
    var fullName: String
    var status: String
}

struct GroupBody: Decodable {
    var name: String
}

struct GroupAnswer: Encodable {
    var id: String
    var name: String
    var isDefault: Bool
}

struct TaxpayerBody: Decodable {
    var taxpayer: String
}
#endif
