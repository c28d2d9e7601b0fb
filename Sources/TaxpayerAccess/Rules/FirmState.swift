/// What a firm-administration decision reads: the parent logon and its groups, secondary logons and group
/// assignments, with their versions (RULES S1–S8).
struct FirmState: Sendable {
    var parent: Logon
    var groups: [Versioned<SecurityGroup>]
    var secondaries: [Versioned<Logon>]
    var assignments: [Versioned<GroupAssignment>]

    init(
        parent: Logon, groups: [Versioned<SecurityGroup>], secondaries: [Versioned<Logon>],
        assignments: [Versioned<GroupAssignment>]
    ) {
        self.parent = parent
        self.groups = groups
        self.secondaries = secondaries
        self.assignments = assignments
    }

    /// The id of the parent's Default group (RULES S3).
    var defaultGroupID: SecurityGroupID { SecurityGroup.defaultID(of: parent.id) }

    /// The parent's Default group as it is or will be (RULES S3: it always exists).
    var defaultGroup: SecurityGroup {
        SecurityGroup(id: defaultGroupID, parent: parent.id, name: "Default", isDefault: true)
    }

    /// Whether the Default group's record is written yet.
    var defaultGroupStored: Bool { groups.contains { $0.value.id == defaultGroupID } }

    /// The parent's group with this id, Default included; else ``AccessError/Code/invalidInput`` naming `field`.
    func group(_ id: SecurityGroupID, field: String = "group") throws -> SecurityGroup {
        if id == defaultGroupID { return defaultGroup }
        guard let group = groups.first(where: { $0.value.id == id })?.value else {
            throw AccessError.invalid(field, "\(id.rawValue) is not one of your security groups.")
        }
        return group
    }

    /// A secondary logon of this parent; else ``AccessError/Code/notFound``.
    func secondary(_ id: LogonID) throws -> Versioned<Logon> {
        guard let logon = secondaries.first(where: { $0.value.id == id }) else {
            throw AccessError(.notFound, "\(id.rawValue) is not one of your secondary logons.")
        }
        return logon
    }
}
