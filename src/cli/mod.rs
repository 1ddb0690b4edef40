//! The command line: clap definitions, one module per command group, and
//! the dispatch from a parsed command line to its module's `run`.

pub mod alerts;
pub mod audit;
pub mod base;
pub mod blacklist;
pub mod board;
pub mod completions;
pub mod cylinder;
pub mod demo;
pub mod elevator;
pub mod exit;
pub mod import;
pub mod incident;
pub mod login;
pub mod muck;
pub mod notices;
pub mod output;
pub mod passage;
pub mod plate;
pub mod screen;
pub mod serve;
pub mod settings;
pub mod stats;
pub mod team;
pub mod token;
pub mod track;
pub mod vessel;

pub use exit::{CliError, CliResult, Exit};

use clap::{Args, Parser, Subcommand};
use output::Format;
use settings::{ColorChoice, Settings};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (for a check: nothing listed)
  1  a check found something listed, rows were rejected, or an unexpected failure
  2  usage error
  3  the server could not be reached
  4  not authorised (no token, a bad token, or a role that may not do this)
  5  not found
  6  conflict (someone changed it first, or it is held)
  7  invalid input data";

/// safedesk: the terminal toolkit of the provincial safety-supervision
/// platform — 96333 elevator dispatch, registers, checks — and its server.
#[derive(Debug, Parser)]
#[command(
    name = "safedesk",
    version,
    after_help = EXIT_CODES,
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// The API address [default: http://127.0.0.1:9633]
    #[arg(long, global = true, env = "SAFEDESK_API", value_name = "URL")]
    pub api: Option<String>,
    /// The API token (an admin makes one with `safedesk token create`)
    #[arg(long, global = true, env = "SAFEDESK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Also trust this PEM CA certificate (a server on a private CA)
    #[arg(long, global = true, env = "SAFEDESK_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
    /// How records are printed on stdout [default: table]
    #[arg(long, global = true, env = "SAFEDESK_FORMAT", value_enum)]
    pub format: Option<Format>,
    /// When to use colour; NO_COLOR in the environment turns `auto` off
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorChoice,
    /// Print no messages on stderr, only data and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Log more on stderr (-v info, -vv debug)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Every command group.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 96333 elevator-entrapment incidents: report, dispatch, close
    #[command(subcommand)]
    Incident(incident::IncidentCmd),
    /// Rescue teams
    #[command(subcommand)]
    Team(team::TeamCmd),
    /// Elevators on the platform
    #[command(subcommand)]
    Elevator(elevator::ElevatorCmd),
    /// Figures: counts, arrival and rescue times
    #[command(subcommand)]
    Stats(stats::StatsCmd),
    /// API tokens (admin)
    #[command(subcommand)]
    Token(token::TokenCmd),
    /// Check vehicle plates against every highway list at once
    #[command(subcommand)]
    Plate(plate::PlateCmd),
    /// The illegal-operation list: suspect, grey, black, excluded, lifted
    #[command(subcommand)]
    Blacklist(blacklist::BlacklistCmd),
    /// Muck-truck violations and passes
    #[command(subcommand)]
    Muck(muck::MuckCmd),
    /// Record a gantry passage (files go through `import passages`)
    #[command(subcommand)]
    Passage(passage::PassageCmd),
    /// The ETC gantry register
    #[command(subcommand)]
    Gantry(passage::GantryCmd),
    /// A vehicle's passages in time order, with the gantries' names
    Track(track::TrackArgs),
    /// Passages of grey and black vehicles; --follow prints them live
    Alerts(alerts::AlertsArgs),
    /// Find buses that run one route on many days; the rule's thresholds
    #[command(subcommand)]
    Screen(screen::ScreenCmd),
    /// Notices to other provinces of their grey and black vehicles
    #[command(subcommand)]
    Notices(notices::NoticesCmd),
    /// The three-no vessel register: register, photograph, dispose
    #[command(subcommand)]
    Vessel(vessel::VesselCmd),
    /// Detention bases and temporary points for three-no vessels
    #[command(subcommand)]
    Base(base::BaseCmd),
    /// The LPG cylinder register
    #[command(subcommand)]
    Cylinder(cylinder::CylinderCmd),
    /// Load registers from CSV or XLSX files: cylinders, elevators, teams, vessels
    Import(import::ImportArgs),
    /// The audit log of every change, and its hash-chain check (admin)
    #[command(subcommand)]
    Audit(audit::AuditCmd),
    /// Check a token against the server and save it, with the address, in the config file (0600)
    Login(login::LoginArgs),
    /// Remove the saved token from the config file
    Logout(login::LogoutArgs),
    /// The live 96333 dispatch board
    Board(board::BoardArgs),
    /// Run the REST server
    Serve(serve::ServeArgs),
    /// A seeded server, a live incident feed and the board, in one go
    Demo(demo::DemoArgs),
    /// Print a shell completion script
    Completions(completions::CompletionsArgs),
    /// Write the man pages into a directory
    #[command(hide = true)]
    Man(completions::ManArgs),
}

impl Cli {
    /// The resolved settings for this command line.
    pub fn settings(&self) -> CliResult<Settings> {
        settings::resolve(
            self.global.api.clone(),
            self.global.token.clone(),
            self.global.ca_cert.clone(),
            self.global.format,
            self.global.color,
            self.global.quiet,
        )
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> CliResult {
    match cli.command {
        Command::Serve(args) => return serve::run(args).await,
        Command::Completions(args) => return completions::run(args),
        Command::Man(args) => return completions::man(args),
        // Before the settings: they refuse a config file that login mends.
        Command::Login(args) => return login::login(args, &cli.global).await,
        Command::Logout(args) => return login::logout(args, &cli.global),
        _ => {}
    }
    let settings = cli.settings()?;
    match cli.command {
        Command::Incident(cmd) => incident::run(cmd, &settings).await,
        Command::Team(cmd) => team::run(cmd, &settings).await,
        Command::Elevator(cmd) => elevator::run(cmd, &settings).await,
        Command::Stats(cmd) => stats::run(cmd, &settings).await,
        Command::Token(cmd) => token::run(cmd, &settings).await,
        Command::Plate(cmd) => plate::run(cmd, &settings).await,
        Command::Blacklist(cmd) => blacklist::run(cmd, &settings).await,
        Command::Muck(cmd) => muck::run(cmd, &settings).await,
        Command::Passage(cmd) => passage::run(cmd, &settings).await,
        Command::Gantry(cmd) => passage::run_gantry(cmd, &settings).await,
        Command::Track(args) => track::run(args, &settings).await,
        Command::Alerts(args) => alerts::run(args, &settings).await,
        Command::Screen(cmd) => screen::run(cmd, &settings).await,
        Command::Notices(cmd) => notices::run(cmd, &settings).await,
        Command::Vessel(cmd) => vessel::run(cmd, &settings).await,
        Command::Base(cmd) => base::run(cmd, &settings).await,
        Command::Audit(cmd) => audit::run(cmd, &settings).await,
        Command::Cylinder(cmd) => cylinder::run(cmd, &settings).await,
        Command::Import(args) => import::run(args, &settings).await,
        Command::Board(args) => board::run(args, &settings).await,
        Command::Demo(args) => demo::run(args, &settings).await,
        Command::Serve(_)
        | Command::Completions(_)
        | Command::Man(_)
        | Command::Login(_)
        | Command::Logout(_) => Ok(()),
    }
}
