/// The JSON form of SnapshotFormat.md, strictly: unknown keys and bad values are refused with their path.
extension AccessSnapshot {
    private static let keys: Set<String> = [
        "format", "taxpayers", "logons", "roles", "thirdPartyGrants", "securityGroups", "groupAssignments",
        "refinements",
    ]

    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: Self.keys)
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        let format = try c.decode(String.self, forKey: SnapshotKey("format"))
        guard format == Self.formatName else {
            throw SnapshotError(
                path: "$.format", message: "unsupported format \"\(format)\" (expected \"\(Self.formatName)\")")
        }
        func list<T: Decodable>(_ key: String) throws -> [T] {
            try c.decodeIfPresent([T].self, forKey: SnapshotKey(key)) ?? []
        }
        self.init(
            taxpayers: try list("taxpayers"), logons: try list("logons"), roles: try list("roles"),
            thirdPartyGrants: try list("thirdPartyGrants"), securityGroups: try list("securityGroups"),
            groupAssignments: try list("groupAssignments"), refinements: try list("refinements"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(Self.formatName, forKey: SnapshotKey("format"))
        try c.encode(taxpayers, forKey: SnapshotKey("taxpayers"))
        try c.encode(logons, forKey: SnapshotKey("logons"))
        try c.encode(roles, forKey: SnapshotKey("roles"))
        try c.encode(thirdPartyGrants, forKey: SnapshotKey("thirdPartyGrants"))
        try c.encode(securityGroups, forKey: SnapshotKey("securityGroups"))
        try c.encode(groupAssignments, forKey: SnapshotKey("groupAssignments"))
        try c.encode(refinements, forKey: SnapshotKey("refinements"))
    }
}

extension AccessSnapshot.TaxpayerEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(
            decoder, allowed: ["id", "idType", "idNumber", "legalName", "kind", "accounts"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            id: try c.decode(TaxpayerID.self, forKey: SnapshotKey("id")),
            idType: try SnapshotCoding.decodeEnum(IDType.self, from: c, "idType", name: "idType"),
            idNumber: try c.decode(String.self, forKey: SnapshotKey("idNumber")),
            legalName: try c.decode(String.self, forKey: SnapshotKey("legalName")),
            kind: try SnapshotCoding.decodeEnum(TaxpayerKind.self, from: c, "kind", name: "kind"),
            accounts: try c.decodeIfPresent([AccessSnapshot.AccountEntry].self, forKey: SnapshotKey("accounts")) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(id, forKey: SnapshotKey("id"))
        try c.encode(idType.rawValue, forKey: SnapshotKey("idType"))
        try c.encode(idNumber, forKey: SnapshotKey("idNumber"))
        try c.encode(legalName, forKey: SnapshotKey("legalName"))
        try c.encode(kind.rawValue, forKey: SnapshotKey("kind"))
        try c.encode(accounts, forKey: SnapshotKey("accounts"))
    }
}

/// The account statuses a snapshot may carry.
enum SnapshotAccountStatus: String, CaseIterable {
    case active, closed
}

extension AccessSnapshot.AccountEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["id", "type", "status"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            id: try c.decode(AccountID.self, forKey: SnapshotKey("id")),
            type: try c.decode(AccountType.self, forKey: SnapshotKey("type")),
            status: AccountStatus(
                rawValue: try SnapshotCoding.decodeEnum(
                    SnapshotAccountStatus.self, from: c, "status", name: "account status"
                )
                .rawValue) ?? .closed)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(id, forKey: SnapshotKey("id"))
        try c.encode(type, forKey: SnapshotKey("type"))
        try c.encode(status.rawValue, forKey: SnapshotKey("status"))
    }
}

/// The logon statuses a snapshot may carry: `pendingApproval` is never exported.
enum SnapshotLogonStatus: String, CaseIterable {
    case active, deactivated, deleted
}

extension AccessSnapshot.LogonEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(
            decoder, allowed: ["id", "username", "email", "status", "clientManagement", "secondary"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        let status = try SnapshotCoding.decodeEnum(SnapshotLogonStatus.self, from: c, "status", name: "logon status")
        self.init(
            id: try c.decode(LogonID.self, forKey: SnapshotKey("id")),
            username: try c.decode(String.self, forKey: SnapshotKey("username")),
            email: try c.decode(String.self, forKey: SnapshotKey("email")),
            status: LogonStatus(rawValue: status.rawValue) ?? .deleted,
            clientManagement: try c.decodeIfPresent(Bool.self, forKey: SnapshotKey("clientManagement")) ?? false,
            secondary: try c.decodeIfPresent(AccessSnapshot.SecondaryEntry.self, forKey: SnapshotKey("secondary")))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(id, forKey: SnapshotKey("id"))
        try c.encode(username, forKey: SnapshotKey("username"))
        try c.encode(email, forKey: SnapshotKey("email"))
        try c.encode(status.rawValue, forKey: SnapshotKey("status"))
        try c.encode(clientManagement, forKey: SnapshotKey("clientManagement"))
        try c.encodeIfPresent(secondary, forKey: SnapshotKey("secondary"))
    }
}

extension AccessSnapshot.SecondaryEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["parent", "role", "level", "groups", "accountTypes"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        let role = try SnapshotCoding.decodeEnum(Role.self, from: c, "role", name: "role")
        var level: AccessLevel?
        if c.contains(SnapshotKey("level")), try !c.decodeNil(forKey: SnapshotKey("level")) {
            level = try SnapshotCoding.decodeLevel(from: c, SnapshotKey("level"))
        }
        switch (role, level) {
        case (.taxAdministrator, nil):
            throw SnapshotError(
                path: SnapshotCoding.path(c.codingPath + [SnapshotKey("level")]),
                message: "required for taxAdministrator")
        case (.masterAdministrator, .some):
            throw SnapshotError(
                path: SnapshotCoding.path(c.codingPath + [SnapshotKey("level")]),
                message: "not allowed for masterAdministrator (its cap is All Access)")
        case (.taxAdministrator, .some(.none)):
            throw SnapshotError(
                path: SnapshotCoding.path(c.codingPath + [SnapshotKey("level")]),
                message: "level \"none\" is allowed only in refinements")
        default:
            break
        }
        self.init(
            parent: try c.decode(LogonID.self, forKey: SnapshotKey("parent")), role: role, level: level,
            groups: try c.decodeIfPresent([SecurityGroupID].self, forKey: SnapshotKey("groups")) ?? [],
            accountTypes: try c.decodeIfPresent([AccountType].self, forKey: SnapshotKey("accountTypes")))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(parent, forKey: SnapshotKey("parent"))
        try c.encode(role.rawValue, forKey: SnapshotKey("role"))
        try c.encodeIfPresent(level?.name, forKey: SnapshotKey("level"))
        try c.encode(groups, forKey: SnapshotKey("groups"))
        try c.encodeIfPresent(accountTypes, forKey: SnapshotKey("accountTypes"))
    }
}

extension AccessSnapshot.RoleEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["logon", "taxpayer", "role", "accounts"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        let role = try SnapshotCoding.decodeEnum(Role.self, from: c, "role", name: "role")
        let hasAccounts =
            c.contains(SnapshotKey("accounts")) && (try? c.decodeNil(forKey: SnapshotKey("accounts"))) == false
        let path = SnapshotCoding.path(c.codingPath + [SnapshotKey("accounts")])
        var accounts: [AccountID: AccessLevel]?
        switch (role, hasAccounts) {
        case (.taxAdministrator, false):
            throw SnapshotError(path: path, message: "required for taxAdministrator (its level per account)")
        case (.masterAdministrator, true):
            throw SnapshotError(
                path: path, message: "not allowed for masterAdministrator (All Access on every account)")
        case (.taxAdministrator, true):
            accounts = try SnapshotCoding.decodeLevels(from: c, "accounts")
        case (.masterAdministrator, false):
            accounts = nil
        }
        self.init(
            logon: try c.decode(LogonID.self, forKey: SnapshotKey("logon")),
            taxpayer: try c.decode(TaxpayerID.self, forKey: SnapshotKey("taxpayer")), role: role, accounts: accounts)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(logon, forKey: SnapshotKey("logon"))
        try c.encode(taxpayer, forKey: SnapshotKey("taxpayer"))
        try c.encode(role.rawValue, forKey: SnapshotKey("role"))
        if let accounts { try SnapshotCoding.encodeLevels(accounts, into: &c, "accounts") }
    }
}

extension AccessSnapshot.GrantEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["taxpayer", "thirdParty", "accounts"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            taxpayer: try c.decode(TaxpayerID.self, forKey: SnapshotKey("taxpayer")),
            thirdParty: try c.decode(LogonID.self, forKey: SnapshotKey("thirdParty")),
            accounts: try SnapshotCoding.decodeLevels(from: c, "accounts"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(taxpayer, forKey: SnapshotKey("taxpayer"))
        try c.encode(thirdParty, forKey: SnapshotKey("thirdParty"))
        try SnapshotCoding.encodeLevels(accounts, into: &c, "accounts")
    }
}

extension AccessSnapshot.GroupEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["id", "parent", "name", "isDefault"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            id: try c.decode(SecurityGroupID.self, forKey: SnapshotKey("id")),
            parent: try c.decode(LogonID.self, forKey: SnapshotKey("parent")),
            name: try c.decode(String.self, forKey: SnapshotKey("name")),
            isDefault: try c.decodeIfPresent(Bool.self, forKey: SnapshotKey("isDefault")) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(id, forKey: SnapshotKey("id"))
        try c.encode(parent, forKey: SnapshotKey("parent"))
        try c.encode(name, forKey: SnapshotKey("name"))
        try c.encode(isDefault, forKey: SnapshotKey("isDefault"))
    }
}

extension AccessSnapshot.AssignmentEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["parent", "taxpayer", "group"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            parent: try c.decode(LogonID.self, forKey: SnapshotKey("parent")),
            taxpayer: try c.decode(TaxpayerID.self, forKey: SnapshotKey("taxpayer")),
            group: try c.decode(SecurityGroupID.self, forKey: SnapshotKey("group")))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(parent, forKey: SnapshotKey("parent"))
        try c.encode(taxpayer, forKey: SnapshotKey("taxpayer"))
        try c.encode(group, forKey: SnapshotKey("group"))
    }
}

extension AccessSnapshot.RefinementEntry {
    public init(from decoder: any Decoder) throws {
        try SnapshotCoding.refuseUnknownKeys(decoder, allowed: ["secondary", "taxpayer", "accounts"])
        let c = try decoder.container(keyedBy: SnapshotKey.self)
        self.init(
            secondary: try c.decode(LogonID.self, forKey: SnapshotKey("secondary")),
            taxpayer: try c.decode(TaxpayerID.self, forKey: SnapshotKey("taxpayer")),
            accounts: try SnapshotCoding.decodeLevels(from: c, "accounts"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SnapshotKey.self)
        try c.encode(secondary, forKey: SnapshotKey("secondary"))
        try c.encode(taxpayer, forKey: SnapshotKey("taxpayer"))
        try SnapshotCoding.encodeLevels(accounts, into: &c, "accounts")
    }
}
