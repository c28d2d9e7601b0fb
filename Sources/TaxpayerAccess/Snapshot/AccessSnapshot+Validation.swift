/// The rules of SnapshotFormat.md a document must keep, each refusal naming the JSON path of the fault.
extension AccessSnapshot {
    /// The policy whose username rule (RULES R5) a document's usernames keep: the defaults of Documentation/Rules.md.
    static let fieldPolicy = Policy.massTaxConnect

    /// Checks every field, reference and uniqueness rule of SnapshotFormat.md.
    ///
    /// Field contents are held to the services' own validators: ID numbers are nine ASCII digits with no separators
    /// (RULES T1), legal names and usernames keep the rules of registration (RULES R5, with the preset's length
    /// limits), emails keep RULES R4 with no surrounding white space, custom group names the rule of RULES S3; ids
    /// are non-empty and, like names, hold no control characters.
    ///
    /// - Throws: ``SnapshotError`` for the first fault, in document order: a field breaking its rule, a duplicate
    ///   id or unique key, an unknown id, an account of another taxpayer, a taxpayer in two groups of one parent
    ///   (RULES S4), a secondary whose parent is itself a secondary, a group of another parent, level `none` outside
    ///   refinements, a malformed account type. The message names the rule, not the value at fault.
    public func validate() throws {
        func fail(_ path: String, _ message: String) -> SnapshotError { SnapshotError(path: path, message: message) }
        /// Runs one of the services' validators, its refusal becoming a snapshot error at `path`.
        func field<T>(_ path: @autoclosure () -> String, _ rule: String, _ validator: () throws -> T) throws -> T {
            do {
                return try validator()
            } catch let error as AccessError {
                let message = error.message.hasSuffix(".") ? String(error.message.dropLast()) : error.message
                throw fail(path(), "\(message) (RULES \(rule))")
            }
        }
        func checkID(_ id: String, _ path: @autoclosure () -> String) throws {
            guard !id.isEmpty else { throw fail(path(), "empty id") }
            guard !Policy.containsControlCharacter(id) else { throw fail(path(), "an id holds no control characters") }
        }

        // Taxpayers and accounts.
        // Every table sized up front: a medium world fills them with 100 K–300 K entries each.
        var taxpayerIDs = Set<TaxpayerID>(minimumCapacity: taxpayers.count)
        var taxIDs = Set<String>(minimumCapacity: taxpayers.count)
        var accountOwner = [AccountID: TaxpayerID](minimumCapacity: taxpayers.reduce(0) { $0 + $1.accounts.count })
        for (i, taxpayer) in taxpayers.enumerated() {
            func path() -> String { "$.taxpayers[\(i)]" }
            try checkID(taxpayer.id.rawValue, "\(path()).id")
            let validated = try field("\(path()).idNumber", "T1") {
                try Policy.validateTaxIdentifier(type: taxpayer.idType, number: taxpayer.idNumber)
            }
            guard validated.number == taxpayer.idNumber else {
                throw fail(
                    "\(path()).idNumber", "\(taxpayer.idType.rawValue) must be 9 digits without separators (RULES T1)")
            }
            _ = try field("\(path()).legalName", "T1") { try Policy.validateLegalName(taxpayer.legalName) }
            guard taxpayerIDs.insert(taxpayer.id).inserted else {
                throw fail("\(path()).id", "duplicate taxpayer \"\(taxpayer.id)\"")
            }
            let taxID = TaxIdentifier(type: taxpayer.idType, number: taxpayer.idNumber)
            guard taxIDs.insert(taxID.key).inserted else {
                throw fail("\(path()).idNumber", "another taxpayer has this \(taxpayer.idType.rawValue) (RULES T1)")
            }
            for (j, account) in taxpayer.accounts.enumerated() {
                try checkID(account.id.rawValue, "\(path()).accounts[\(j)].id")
                guard accountOwner.updateValue(taxpayer.id, forKey: account.id) == nil else {
                    throw fail("\(path()).accounts[\(j)].id", "duplicate account \"\(account.id)\"")
                }
                guard account.type.isWellFormed else {
                    throw fail(
                        "\(path()).accounts[\(j)].type", "account type \"\(account.type)\" is not a camelCase name")
                }
            }
        }

        // Security groups (read before logons, which name them).
        // Whether each logon (the first of an id) is a secondary logon: all the rules below ask of it.
        let isSecondary = [LogonID: Bool](
            logons.map { ($0.id, $0.secondary != nil) }, uniquingKeysWith: { first, _ in first })
        // Each group's parent.
        var groupParent = [SecurityGroupID: LogonID](minimumCapacity: securityGroups.count)
        var defaultOf: Set<LogonID> = []
        // The group record's own unique key, compared by its bytes as every store compares it.
        var groupNames = Set<UniqueKey>(minimumCapacity: securityGroups.count)
        for (i, group) in securityGroups.enumerated() {
            func path() -> String { "$.securityGroups[\(i)]" }
            try checkID(group.id.rawValue, "\(path()).id")
            guard groupParent[group.id] == nil else {
                throw fail("\(path()).id", "duplicate security group \"\(group.id)\"")
            }
            guard let parentIsSecondary = isSecondary[group.parent] else {
                throw fail("\(path()).parent", "unknown logon \"\(group.parent)\"")
            }
            guard !parentIsSecondary else {
                throw fail("\(path()).parent", "logon \"\(group.parent)\" is a secondary logon and cannot own groups")
            }
            guard !Policy.containsControlCharacter(group.name) else {
                throw fail("\(path()).name", "a group name holds no control characters (RULES S3)")
            }
            if group.isDefault {
                guard group.name == "Default" else {
                    throw fail("\(path()).name", "the Default group is named \"Default\" (RULES S3)")
                }
            } else {
                let name = try field("\(path()).name", "S3") { try FirmRules.validatedGroupName(group.name) }
                guard name == group.name else {
                    throw fail("\(path()).name", "a group name has no surrounding or repeated white space (RULES S3)")
                }
            }
            guard groupNames.insert(UniqueKey.groupName(parent: group.parent, name: group.name)).inserted else {
                throw fail(
                    "\(path()).name", "logon \"\(group.parent)\" already has a group named \"\(group.name)\" (RULES S3)"
                )
            }
            if group.isDefault {
                guard defaultOf.insert(group.parent).inserted else {
                    throw fail(
                        "\(path()).isDefault", "logon \"\(group.parent)\" already has a Default group (RULES S3)")
                }
            }
            groupParent[group.id] = group.parent
        }

        // Logons.
        var seenLogons = Set<LogonID>(minimumCapacity: logons.count)
        var usernames = Set<String>(minimumCapacity: logons.count)
        var emails = Set<String>(minimumCapacity: logons.count)
        let policy = Self.fieldPolicy
        for (i, logon) in logons.enumerated() {
            func path() -> String { "$.logons[\(i)]" }
            try checkID(logon.id.rawValue, "\(path()).id")
            guard seenLogons.insert(logon.id).inserted else {
                throw fail("\(path()).id", "duplicate logon \"\(logon.id)\"")
            }
            try field("\(path()).username", "R5") { try policy.validateUsername(logon.username) }
            let email = try field("\(path()).email", "R4") { try Policy.validateEmail(logon.email) }
            guard email == logon.email else {
                throw fail("\(path()).email", "Email address must not have white space around it (RULES R4)")
            }
            guard usernames.insert(Logon.normalizedKey(logon.username)).inserted else {
                throw fail("\(path()).username", "another logon has this username (RULES R5)")
            }
            if logon.status != .deleted {
                guard emails.insert(Logon.normalizedKey(logon.email)).inserted else {
                    throw fail("\(path()).email", "another live logon has this email (RULES R4)")
                }
            }
            guard let secondary = logon.secondary else { continue }
            guard let parentIsSecondary = isSecondary[secondary.parent] else {
                throw fail("\(path()).secondary.parent", "unknown logon \"\(secondary.parent)\"")
            }
            guard secondary.parent != logon.id else {
                throw fail("\(path()).secondary.parent", "a logon cannot be its own parent")
            }
            guard !parentIsSecondary else {
                throw fail("\(path()).secondary.parent", "logon \"\(secondary.parent)\" is itself a secondary logon")
            }
            for (j, group) in secondary.groups.enumerated() {
                guard let owner = groupParent[group] else {
                    throw fail("\(path()).secondary.groups[\(j)]", "unknown security group \"\(group)\"")
                }
                guard owner == secondary.parent else {
                    throw fail(
                        "\(path()).secondary.groups[\(j)]",
                        "security group \"\(group)\" belongs to logon \"\(owner)\", not to the parent \"\(secondary.parent)\""
                    )
                }
            }
            for (j, type) in (secondary.accountTypes ?? []).enumerated() where !type.isWellFormed {
                throw fail("\(path()).secondary.accountTypes[\(j)]", "account type \"\(type)\" is not a camelCase name")
            }
        }

        func checkLevels(
            _ levels: [AccountID: AccessLevel], of taxpayer: TaxpayerID, at path: @autoclosure () -> String,
            allowNone: Bool
        ) throws {
            // Nearly always nothing is wrong: only a fault needs the accounts in order, to name the first.
            if levels.allSatisfy({ accountOwner[$0.key] == taxpayer && (allowNone || $0.value != .none) }) { return }
            for (account, level) in levels.sorted(by: { $0.key < $1.key }) {
                guard let owner = accountOwner[account] else {
                    throw fail("\(path()).\(account)", "unknown account \"\(account)\"")
                }
                guard owner == taxpayer else {
                    throw fail(
                        "\(path()).\(account)",
                        "account \"\(account)\" belongs to taxpayer \"\(owner)\", not \"\(taxpayer)\"")
                }
                guard allowNone || level != .none else {
                    throw fail("\(path()).\(account)", "level \"none\" is allowed only in refinements")
                }
            }
        }

        // Roles.
        var rolePairs = Set<String>(minimumCapacity: roles.count)
        for (i, role) in roles.enumerated() {
            func path() -> String { "$.roles[\(i)]" }
            guard isSecondary[role.logon] != nil else {
                throw fail("\(path()).logon", "unknown logon \"\(role.logon)\"")
            }
            guard taxpayerIDs.contains(role.taxpayer) else {
                throw fail("\(path()).taxpayer", "unknown taxpayer \"\(role.taxpayer)\"")
            }
            guard rolePairs.insert("\(role.logon.rawValue)|\(role.taxpayer.rawValue)").inserted else {
                throw fail(
                    "\(path()).taxpayer", "logon \"\(role.logon)\" already has a role on taxpayer \"\(role.taxpayer)\"")
            }
            try checkLevels(role.accounts ?? [:], of: role.taxpayer, at: "\(path()).accounts", allowNone: false)
        }

        // Third-party grants.
        var grantPairs = Set<String>(minimumCapacity: thirdPartyGrants.count)
        for (i, grant) in thirdPartyGrants.enumerated() {
            func path() -> String { "$.thirdPartyGrants[\(i)]" }
            guard taxpayerIDs.contains(grant.taxpayer) else {
                throw fail("\(path()).taxpayer", "unknown taxpayer \"\(grant.taxpayer)\"")
            }
            guard isSecondary[grant.thirdParty] != nil else {
                throw fail("\(path()).thirdParty", "unknown logon \"\(grant.thirdParty)\"")
            }
            guard grantPairs.insert("\(grant.thirdParty.rawValue)|\(grant.taxpayer.rawValue)").inserted else {
                throw fail(
                    "\(path()).thirdParty",
                    "logon \"\(grant.thirdParty)\" already has a grant on taxpayer \"\(grant.taxpayer)\"")
            }
            try checkLevels(grant.accounts, of: grant.taxpayer, at: "\(path()).accounts", allowNone: false)
        }

        // Group assignments: one group per taxpayer per parent (RULES S4).
        var placed = [String: SecurityGroupID](minimumCapacity: groupAssignments.count)
        for (i, assignment) in groupAssignments.enumerated() {
            func path() -> String { "$.groupAssignments[\(i)]" }
            guard isSecondary[assignment.parent] != nil else {
                throw fail("\(path()).parent", "unknown logon \"\(assignment.parent)\"")
            }
            guard taxpayerIDs.contains(assignment.taxpayer) else {
                throw fail("\(path()).taxpayer", "unknown taxpayer \"\(assignment.taxpayer)\"")
            }
            guard let owner = groupParent[assignment.group] else {
                throw fail("\(path()).group", "unknown security group \"\(assignment.group)\"")
            }
            guard owner == assignment.parent else {
                throw fail(
                    "\(path()).group",
                    "security group \"\(assignment.group)\" belongs to logon \"\(owner)\", not \"\(assignment.parent)\""
                )
            }
            let key = "\(assignment.parent.rawValue)|\(assignment.taxpayer.rawValue)"
            if let earlier = placed[key] {
                throw fail(
                    "\(path()).taxpayer",
                    "taxpayer \"\(assignment.taxpayer)\" is already in group \"\(earlier)\" of logon \"\(assignment.parent)\" (RULES S4)"
                )
            }
            placed[key] = assignment.group
        }

        // Refinements.
        var refinementPairs = Set<String>(minimumCapacity: refinements.count)
        for (i, refinement) in refinements.enumerated() {
            func path() -> String { "$.refinements[\(i)]" }
            guard let refinedIsSecondary = isSecondary[refinement.secondary] else {
                throw fail("\(path()).secondary", "unknown logon \"\(refinement.secondary)\"")
            }
            guard refinedIsSecondary else {
                throw fail("\(path()).secondary", "logon \"\(refinement.secondary)\" is not a secondary logon")
            }
            guard taxpayerIDs.contains(refinement.taxpayer) else {
                throw fail("\(path()).taxpayer", "unknown taxpayer \"\(refinement.taxpayer)\"")
            }
            guard refinementPairs.insert("\(refinement.secondary.rawValue)|\(refinement.taxpayer.rawValue)").inserted
            else {
                throw fail(
                    "\(path()).taxpayer",
                    "logon \"\(refinement.secondary)\" already has a refinement for taxpayer \"\(refinement.taxpayer)\""
                )
            }
            try checkLevels(refinement.accounts, of: refinement.taxpayer, at: "\(path()).accounts", allowNone: true)
        }
    }
}
