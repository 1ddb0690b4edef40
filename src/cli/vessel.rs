//! `safedesk vessel …`: the three-no vessel register from the shell —
//! register with photos, update, dispose, and read it back.

use super::exit::{CliError, CliResult};
use super::output::{Column, Format, Tone};
use super::settings::Settings;
use crate::client::{Client, VesselQuery};
use crate::model::vessel::{Disposal, Material, check_photo};
use crate::model::{
    NewVessel, Photo, TimelineEntry, Vessel, VesselFields, VesselState, VesselStep, city, idcard,
    time,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// The vessel commands.
#[derive(Debug, Subcommand)]
pub enum VesselCmd {
    /// Register a vessel found with no name, no port and no certificate
    Register(RegisterArgs),
    /// List the register, newest case first
    List(ListArgs),
    /// Show one vessel with its timeline
    Show(ShowArgs),
    /// Change a vessel's description
    Update(UpdateArgs),
    /// Close a case: dismantled, left, detained at a base, or regulated
    Dispose(DisposeArgs),
    /// A vessel's timeline
    History(IdArg),
    /// A vessel's photos
    #[command(subcommand)]
    Photo(PhotoCmd),
}

/// The photo commands.
#[derive(Debug, Subcommand)]
pub enum PhotoCmd {
    /// Upload photos (JPEG or PNG, at most 10 MB each)
    Add {
        /// The case number
        id: i64,
        /// The image files
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List a vessel's photos
    List(IdArg),
    /// Download one photo
    Get {
        /// The case number
        id: i64,
        /// The photo's SHA-256, or its first 8 or more hex digits
        photo: String,
        /// Where to write it
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// A case number.
#[derive(Debug, Args)]
pub struct IdArg {
    /// The case number
    pub id: i64,
}

/// Options of `vessel show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The case number
    pub id: i64,
    /// Show the owner's resident ID unmasked (maritime or admin; the read is audited)
    #[arg(long)]
    pub reveal: bool,
}

/// The description of a vessel, as flags.
#[derive(Debug, Args)]
pub struct DescriptionArgs {
    /// Latitude where it lies, degrees north
    #[arg(long, value_name = "DEG", allow_negative_numbers = true)]
    pub lat: Option<f64>,
    /// Longitude, degrees east
    #[arg(long, value_name = "DEG", allow_negative_numbers = true)]
    pub lon: Option<f64>,
    /// Hull type, free text (平底船, 快艇, 挂机船 …)
    #[arg(long, value_name = "TEXT")]
    pub hull: Option<String>,
    /// What the hull is made of
    #[arg(long, value_enum)]
    pub material: Option<Material>,
    /// Length in metres
    #[arg(long, value_name = "M")]
    pub length: Option<f64>,
    /// Engine power in kW
    #[arg(long, value_name = "KW")]
    pub engine_kw: Option<f64>,
    /// Marks, paint or numbers on the hull
    #[arg(long, value_name = "TEXT")]
    pub marks: Option<String>,
    /// The known owner's name
    #[arg(long, value_name = "NAME")]
    pub owner_name: Option<String>,
    /// The known owner's resident ID number (checked; shown masked)
    #[arg(long, value_name = "ID")]
    pub owner_id: Option<String>,
}

/// Options of `vessel register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// When it was found (2026-05-12 14:30, UTC+8, or RFC 3339) [default: now]
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub found_at: Option<DateTime<Utc>>,
    /// The waterway (长江, 京杭运河 …)
    #[arg(long, value_name = "W")]
    pub waterway: String,
    /// The city whose waters it lies in (镇江 or 镇江市)
    #[arg(long, value_name = "C")]
    pub city: String,
    #[command(flatten)]
    pub description: DescriptionArgs,
    /// A photo to upload (JPEG or PNG, at most 10 MB); repeat for more
    #[arg(long = "photo", value_name = "FILE")]
    pub photos: Vec<PathBuf>,
    /// A remark for the timeline
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
}

/// Options of `vessel list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this city (镇江 or 镇江市)
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
    /// Only these states (comma-separated), or `open`
    #[arg(long, value_name = "S")]
    pub state: Option<String>,
    /// Only this waterway
    #[arg(long, value_name = "W")]
    pub waterway: Option<String>,
    /// Only vessels found on or after this day (YYYY-MM-DD, UTC+8)
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Show the owners' resident IDs unmasked (maritime or admin; each such read is audited)
    #[arg(long)]
    pub reveal: bool,
}

/// Options of `vessel update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The case number
    pub id: i64,
    /// The waterway
    #[arg(long, value_name = "W")]
    pub waterway: Option<String>,
    /// The city
    #[arg(long, value_name = "C")]
    pub city: Option<String>,
    #[command(flatten)]
    pub description: DescriptionArgs,
    /// Refuse (exit 6) if the vessel is no longer at this version
    #[arg(long, value_name = "N")]
    pub if_version: Option<i64>,
}

/// Options of `vessel dispose`.
#[derive(Debug, Args)]
pub struct DisposeArgs {
    /// The case number
    pub id: i64,
    /// How the case ends
    #[arg(long = "as", value_enum, value_name = "HOW")]
    pub how: Disposal,
    /// The detention base or temporary point, for `--as detained` (`base list`)
    #[arg(long, value_name = "BASE")]
    pub base: Option<String>,
    /// A remark for the timeline
    #[arg(long, value_name = "TEXT")]
    pub note: Option<String>,
    /// Refuse (exit 6) if the vessel is no longer at this version
    #[arg(long, value_name = "N")]
    pub if_version: Option<i64>,
}

/// Reads `2026-05-12 14:30` or `2026-05-12` in UTC+8, or RFC 3339.
fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
        .ok_or_else(|| format!("`{s}` is not a time; write 2026-05-12 14:30 (UTC+8)"))?;
    time::operator_zone()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("`{s}` is not a time in UTC+8"))
}

impl DescriptionArgs {
    fn fields(self, waterway: Option<String>, city: Option<String>) -> CliResult<VesselFields> {
        // A mistyped ID is found here, before anything is sent.
        if let Some(id) = &self.owner_id {
            idcard::validate(id).map_err(CliError::invalid)?;
        }
        Ok(VesselFields {
            waterway,
            city,
            lat: self.lat,
            lon: self.lon,
            hull: self.hull,
            material: self.material,
            length_m: self.length,
            engine_kw: self.engine_kw,
            marks: self.marks,
            owner_name: self.owner_name,
            owner_id: self.owner_id,
        })
    }
}

/// Reads and checks photo files, all before anything is sent, so a bad one
/// changes nothing.
fn read_photos(files: &[PathBuf]) -> CliResult<Vec<(String, Vec<u8>)>> {
    files
        .iter()
        .map(|f| {
            let name = f.display().to_string();
            let bytes = std::fs::read(f)
                .map_err(|e| CliError::invalid(format!("cannot read the photo {name}: {e}")))?;
            check_photo(&name, &bytes).map_err(CliError::invalid)?;
            Ok((name, bytes))
        })
        .collect()
}

async fn upload(
    client: &Client,
    settings: &Settings,
    id: i64,
    photos: Vec<(String, Vec<u8>)>,
) -> CliResult<Vec<Photo>> {
    let mut out = Vec::new();
    for (name, bytes) in photos {
        let p = client.add_photo(id, bytes).await?;
        settings.printer.note(&format!(
            "vessel {id}: photo {name} stored as {}",
            &p.sha256[..12]
        ));
        out.push(p);
    }
    Ok(out)
}

/// Runs a vessel command.
pub async fn run(cmd: VesselCmd, settings: &Settings) -> CliResult {
    let client = settings.client()?;
    let p = &settings.printer;
    match cmd {
        VesselCmd::Register(a) => {
            let fields = a.description.fields(Some(a.waterway), Some(a.city))?;
            let photos = read_photos(&a.photos)?;
            let new = NewVessel {
                found_at: a.found_at,
                fields,
                note: a.note,
            };
            let created = client.create_vessel(&new).await?;
            let id = created.id;
            let count = photos.len();
            upload(&client, settings, id, photos).await?;
            p.note(&format!(
                "vessel {id} registered: {} {} ({count} photos)",
                created.fields.city.as_deref().unwrap_or(""),
                created.fields.waterway.as_deref().unwrap_or("")
            ));
            match p.format {
                Format::Table => p.line(&id.to_string()),
                _ => show(settings, &client.vessel(id).await?),
            }
        }
        VesselCmd::List(a) => {
            let q = VesselQuery {
                state: a.state,
                city: a.city.as_deref().map(city::full_name),
                waterway: a.waterway,
                since: a.since.map(|d| d.to_string()),
                reveal: a.reveal,
                ..Default::default()
            };
            let items = client.vessels(&q, a.limit).await?;
            if items.is_empty() {
                p.note("no vessels match");
            }
            p.list(&items, &columns())
        }
        VesselCmd::Show(a) => show(settings, &client.vessel_revealed(a.id, a.reveal).await?),
        VesselCmd::Update(a) => {
            let fields = a.description.fields(a.waterway, a.city)?;
            let after = client.update_vessel(a.id, &fields, a.if_version).await?;
            p.note(&format!(
                "vessel {}: updated (version {})",
                after.id, after.version
            ));
            one(settings, &after)
        }
        VesselCmd::Dispose(a) => {
            let step = VesselStep::dispose(a.how, a.base, a.note);
            let after = client.vessel_step(a.id, &step, a.if_version).await?;
            let at = after.base_name.as_deref().unwrap_or("");
            p.note(&format!(
                "vessel {}: {} done, now {} (version {}) {at}",
                after.id,
                step.name(),
                after.state,
                after.version
            ));
            one(settings, &after)
        }
        VesselCmd::History(a) => {
            let v = client.vessel(a.id).await?;
            p.list(&v.timeline, &timeline_columns())
        }
        VesselCmd::Photo(PhotoCmd::Add { id, files }) => {
            let photos = read_photos(&files)?;
            let added = upload(&client, settings, id, photos).await?;
            p.list(&added, &photo_columns())
        }
        VesselCmd::Photo(PhotoCmd::List(a)) => {
            let photos = client.photos(a.id).await?;
            if photos.is_empty() {
                p.note(&format!("vessel {} has no photos", a.id));
            }
            p.list(&photos, &photo_columns())
        }
        VesselCmd::Photo(PhotoCmd::Get { id, photo, out }) => {
            let bytes = client.photo(id, &photo).await?;
            std::fs::write(&out, &bytes).map_err(|e| {
                CliError::new(
                    super::Exit::Failure,
                    format!("cannot write {}: {e}", out.display()),
                )
            })?;
            p.note(&format!("wrote {} ({} bytes)", out.display(), bytes.len()));
            Ok(())
        }
    }
}

/// One vessel after a change: the record itself in JSON, one row otherwise.
fn one(settings: &Settings, v: &Vessel) -> CliResult {
    match settings.printer.format {
        Format::Json => settings.printer.json(v),
        _ => settings.printer.list(std::slice::from_ref(v), &columns()),
    }
}

fn state_tone(v: &Vessel) -> Tone {
    match v.state {
        VesselState::Found | VesselState::Registered => Tone::Warn,
        VesselState::Detained => Tone::Alert,
        _ => Tone::Good,
    }
}

fn material(v: &Vessel) -> String {
    v.fields
        .material
        .map(|m| m.label().to_string())
        .unwrap_or_default()
}

fn number(n: Option<f64>) -> String {
    n.map(|n| format!("{n}")).unwrap_or_default()
}

/// The columns of a vessel list.
pub fn columns() -> Vec<Column<Vessel>> {
    vec![
        Column::new("ID", |v| v.id.to_string()),
        Column::toned("STATE", |v| v.state.to_string(), state_tone),
        Column::new("CITY", |v| {
            city::short_name(v.fields.city.as_deref().unwrap_or("")).to_string()
        }),
        Column::new("WATERWAY", |v| {
            v.fields.waterway.clone().unwrap_or_default()
        }),
        Column::new("HULL", |v| v.fields.hull.clone().unwrap_or_default()),
        Column::new("MATERIAL", material),
        Column::new("LENGTH", |v| number(v.fields.length_m)),
        Column::new("OWNER", |v| v.fields.owner_name.clone().unwrap_or_default()),
        Column::new("BASE", |v| v.base.clone().unwrap_or_default()),
        Column::new("FOUND", |v| time::local_minute(v.found_at)),
        Column::new("PHOTOS", |v| v.photos.to_string()),
    ]
}

fn timeline_columns() -> Vec<Column<TimelineEntry>> {
    vec![
        Column::new("TIME", |e| time::local_minute(e.at)),
        Column::new("STEP", |e| e.action.clone()),
        Column::new("BY", |e| e.actor.clone()),
        Column::new("DETAIL", |e| e.detail.clone()),
    ]
}

fn photo_columns() -> Vec<Column<Photo>> {
    vec![
        Column::new("PHOTO", |p| p.sha256[..16.min(p.sha256.len())].to_string()),
        Column::new("TYPE", |p| p.content_type.clone()),
        Column::new("BYTES", |p| p.size.to_string()),
        Column::new("ADDED", |p| time::local_minute(p.added_at)),
        Column::new("BY", |p| p.added_by.clone()),
    ]
}

fn show(settings: &Settings, v: &Vessel) -> CliResult {
    let p = &settings.printer;
    let f = &v.fields;
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let position = match (f.lat, f.lon) {
        (Some(lat), Some(lon)) => format!("{lat:.5}N {lon:.5}E"),
        _ => String::new(),
    };
    let base = match (&v.base, &v.base_name) {
        (Some(c), Some(n)) => format!("{c} {n}"),
        (Some(c), None) => c.clone(),
        _ => String::new(),
    };
    let fields = vec![
        ("id", v.id.to_string()),
        ("register no", text(&v.register_no)),
        ("name", text(&v.name)),
        ("state", v.state.to_string()),
        ("version", v.version.to_string()),
        ("found", time::local_minute(v.found_at)),
        ("waterway", text(&f.waterway)),
        ("city", text(&f.city)),
        ("position", position),
        ("hull", text(&f.hull)),
        ("material", material(v)),
        ("length m", number(f.length_m)),
        ("engine kW", number(f.engine_kw)),
        ("marks", text(&f.marks)),
        ("owner", text(&f.owner_name)),
        ("owner ID", text(&f.owner_id)),
        ("home port", text(&v.home_port)),
        ("base", base),
        (
            "disposed",
            v.disposed_at.map(time::local_minute).unwrap_or_default(),
        ),
        ("photos", v.photos.to_string()),
    ];
    p.record(v, &fields)?;
    if p.format == Format::Table && !v.timeline.is_empty() {
        p.line("")?;
        p.list(&v.timeline, &timeline_columns())?;
    }
    Ok(())
}
