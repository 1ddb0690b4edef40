//! Exit codes, the same for every command, and the error that carries one.

use crate::client::ClientError;
use std::fmt;

/// How a command ended. The numbers are part of the interface: scripts
/// test them, and the man page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It worked (and, for a check, nothing was listed).
    Success = 0,
    /// A check found something listed, or some rows were rejected; or an
    /// unexpected failure.
    Failure = 1,
    /// The command line was wrong.
    Usage = 2,
    /// The server could not be reached.
    Unreachable = 3,
    /// No token, a bad one, or a role that may not do this.
    NotAuthorised = 4,
    /// The record does not exist.
    NotFound = 5,
    /// Someone changed it first, or it is held by something else.
    Conflict = 6,
    /// The data given breaks a rule.
    Invalid = 7,
}

impl Exit {
    /// The process exit status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A command's failure: what to print, and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// How the process ends.
    pub exit: Exit,
    /// One line saying what failed, then causes and hints, one per line.
    pub message: String,
}

impl CliError {
    /// A failure with an exit code and a message.
    pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
        CliError {
            exit,
            message: message.into(),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Usage, message)
    }

    /// Invalid input data (exit 7).
    pub fn invalid(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Invalid, message)
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> CliError {
        let exit = match &e {
            ClientError::Unreachable { .. } | ClientError::Untrusted { .. } => Exit::Unreachable,
            ClientError::Unauthorised(_) | ClientError::Forbidden(_) => Exit::NotAuthorised,
            ClientError::NotFound(_) => Exit::NotFound,
            ClientError::Conflict { .. } => Exit::Conflict,
            ClientError::Invalid(_) => Exit::Invalid,
            ClientError::Usage(_) => Exit::Usage,
            ClientError::Busy(_) | ClientError::Server { .. } | ClientError::Protocol(_) => {
                Exit::Failure
            }
        };
        CliError::new(exit, e.to_string())
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> CliError {
        let mut message = e.to_string();
        for cause in e.chain().skip(1) {
            message.push_str(&format!("\n  cause: {cause}"));
        }
        CliError::new(Exit::Failure, message)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::new(Exit::Failure, e.to_string())
    }
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;
