//! The connector-profile operations: each at its own path, with a request schema of its own, all
//! behind the same HTTP rules (route, method, media type, size, account, validation, the error
//! table's order).

use super::schema::SchemaKind;

/// One operation of AppFlow's connector-profile lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// `CreateConnectorProfile`.
    Create,
    /// `DescribeConnectorProfiles`.
    Describe,
    /// `UpdateConnectorProfile`.
    Update,
    /// `DeleteConnectorProfile`.
    Delete,
}

impl Operation {
    /// Every operation, in the lifecycle's order.
    pub const ALL: [Operation; 4] = [
        Operation::Create,
        Operation::Describe,
        Operation::Update,
        Operation::Delete,
    ];

    /// Its path (`/create-connector-profile`).
    pub const fn path(self) -> &'static str {
        match self {
            Operation::Create => "/create-connector-profile",
            Operation::Describe => "/describe-connector-profiles",
            Operation::Update => "/update-connector-profile",
            Operation::Delete => "/delete-connector-profile",
        }
    }

    /// Its short name (`create`), as rule IDs and load transactions say it.
    pub const fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Describe => "describe",
            Operation::Update => "update",
            Operation::Delete => "delete",
        }
    }

    /// The model's shape for its input.
    pub const fn input_shape(self) -> &'static str {
        match self {
            Operation::Create => "CreateConnectorProfileRequest",
            Operation::Describe => "DescribeConnectorProfilesRequest",
            Operation::Update => "UpdateConnectorProfileRequest",
            Operation::Delete => "DeleteConnectorProfileRequest",
        }
    }

    /// Its request schema.
    pub const fn schema(self) -> SchemaKind {
        match self {
            Operation::Create => SchemaKind::Request,
            Operation::Describe => SchemaKind::DescribeRequest,
            Operation::Update => SchemaKind::UpdateRequest,
            Operation::Delete => SchemaKind::DeleteRequest,
        }
    }

    /// The operation at `path` (exactly; a query string already cut off), if any.
    pub fn at(path: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.path() == path)
    }
}
