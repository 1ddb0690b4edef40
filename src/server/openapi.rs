//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every route,
//! built from the code.
//!
//! - The shapes of bodies and answers are the model types' own
//!   `#[derive(utoipa::ToSchema)]`, and query parameters are the handlers'
//!   query structs' `#[derive(utoipa::IntoParams)]`: a field added there
//!   shows up here.
//! - [`operations`] is the one table of what each route takes and answers,
//!   keyed by method and path as in [`super::access::ROUTES`]; who may call
//!   a route (the bearer token, `401`, `403`, `429`) comes from that table.
//! - Problem answers are worked out from what a route takes (a body can be
//!   malformed or too large, a path can name nothing) plus those the entry
//!   names; every one is RFC 9457 problem JSON ([`Problem`]).
//!
//! `tests/openapi.rs` fails when a route in `ROUTES` has no entry here, or
//! an entry has no route; `tests/schemathesis.sh` fuzzes a running server
//! against this document.

use super::access::{self, Access};
use super::{audit, events, imports, incidents, limits, muck, notices, passages};
use super::{blacklist, registers, reveal, stats, tokens, vessels};
use crate::model::audit::{AuditRow, Verification};
use crate::model::blacklist::{Action as BlacklistAction, Entry};
use crate::model::cylinder::Cylinder;
use crate::model::import::{Batch, BatchResult, Kind, NewRun, Run};
use crate::model::muck::{NewViolation, Pass, Violation};
use crate::model::notice::Notice;
use crate::model::passage::{AlertRecord, Gantry, NewPassage, Passage, PassageCounts};
use crate::model::plate::{CheckRequest, PlateCheck};
use crate::model::screen::{Report, Rule, RuleChange, RunRequest};
use crate::model::stats::IncidentStats;
use crate::model::vessel::{STEPS as VESSEL_STEPS, VesselStats};
use crate::model::{
    Base, Elevator, Health, Incident, IssuedToken, NewIncident, NewVessel, Page, Photo, Problem,
    Suggestion, Team, TokenRecord, Transition, Vessel, VesselFields, VesselStep,
};
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response as HttpResponse};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, Parameter, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::{RequestBody, RequestBodyBuilder};
use utoipa::openapi::response::{Response, ResponseBuilder, ResponsesBuilder};
use utoipa::openapi::schema::{
    ArrayBuilder, ComponentsBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::Tag;
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required};
use utoipa::{IntoParams, PartialSchema, ToSchema};

/// The media type of every problem answer.
const PROBLEM_JSON: &str = "application/problem+json";

/// The name of the bearer-token security scheme.
const BEARER: &str = "bearer";

/// One route's entry: what it takes and what it answers.
pub struct Op {
    /// The method, as in `ROUTES`.
    pub method: Method,
    /// The path as the router writes it, as in `ROUTES`.
    pub path: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    path_params: Vec<(&'static str, RefOr<Schema>, &'static str)>,
    examples: Vec<(&'static str, serde_json::Value)>,
    query: Vec<Parameter>,
    headers: Vec<Parameter>,
    body: Option<RequestBody>,
    answers: Vec<(u16, Response)>,
    errors: BTreeSet<u16>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

/// Starts an entry: method, path, tag and a one-line summary.
fn op(method: Method, path: &'static str, tag: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        tag,
        summary,
        description: None,
        path_params: Vec::new(),
        examples: Vec::new(),
        query: Vec::new(),
        headers: Vec::new(),
        body: None,
        answers: Vec::new(),
        errors: BTreeSet::new(),
        schemas: Vec::new(),
    }
}

impl Op {
    /// A longer description of what the route does.
    fn about(mut self, text: &'static str) -> Self {
        self.description = Some(text);
        self
    }

    /// Registers `T` (and what it refers to) as a component; a `$ref` to it.
    fn schema<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.schemas.push((T::name().into(), T::schema()));
        T::schemas(&mut self.schemas);
        Ref::from_schema_name(T::name()).into()
    }

    /// `Vec<T>` as an array of `$ref`s.
    fn list<T: ToSchema>(&mut self) -> RefOr<Schema> {
        ArrayBuilder::new().items(self.schema::<T>()).build().into()
    }

    /// `Page<T>`: the page type's own schema, with `T` registered.
    fn page<T: ToSchema>(&mut self) -> RefOr<Schema> {
        self.schema::<T>();
        Page::<T>::schema()
    }

    /// A path parameter `{name}`.
    fn path_param(
        mut self,
        name: &'static str,
        schema: RefOr<Schema>,
        about: &'static str,
    ) -> Self {
        self.path_params.push((name, schema, about));
        self
    }

    /// An example value of the path parameter `name`: a record the
    /// fixtures (`safedesk demo`) hold, so a fuzzer's first try finds one.
    fn example(mut self, name: &'static str, value: impl Into<serde_json::Value>) -> Self {
        self.examples.push((name, value.into()));
        self
    }

    /// A path parameter whose values are the schema of `T` (an enum).
    fn path_enum<T: ToSchema>(mut self, name: &'static str, about: &'static str) -> Self {
        let schema = self.schema::<T>();
        self.path_params.push((name, schema, about));
        self
    }

    /// The query parameters of the handler's query struct `Q`.
    fn query<Q: IntoParams>(mut self) -> Self {
        self.query
            .extend(Q::into_params(|| Some(ParameterIn::Query)));
        self
    }

    /// A request header the route reads.
    fn header(mut self, name: &'static str, schema: RefOr<Schema>, about: &'static str) -> Self {
        self.headers.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .schema(Some(schema))
                .description(Some(about))
                .build(),
        );
        self
    }

    /// `If-Match`: the version the change is based on.
    fn if_match(self) -> Self {
        self.header(
            "If-Match",
            string(),
            "The record's `version` the change is based on (`\"3\"`, `3` or `W/\"3\"`); \
             a stale one gets 409 with the current record",
        )
        .errors(&[409])
    }

    /// A JSON body of type `T`.
    fn json_body<T: ToSchema>(mut self, about: &'static str) -> Self {
        let schema = self.schema::<T>();
        self.body_schema(schema, about, true)
    }

    /// A JSON body of `Vec<T>`.
    fn json_list_body<T: ToSchema>(mut self, about: &'static str) -> Self {
        let schema = self.list::<T>();
        self.body_schema(schema, about, true)
    }

    /// A JSON body of the given schema.
    fn body_schema(mut self, schema: RefOr<Schema>, about: &'static str, required: bool) -> Self {
        let required = if required {
            Required::True
        } else {
            Required::False
        };
        self.body = Some(
            RequestBodyBuilder::new()
                .description(Some(about))
                .required(Some(required))
                .content("application/json", Content::new(Some(schema)))
                .build(),
        );
        self
    }

    /// A success answer with a JSON body of the given schema.
    fn answer(mut self, status: u16, about: &'static str, schema: RefOr<Schema>) -> Self {
        let response = ResponseBuilder::new()
            .description(about)
            .content("application/json", Content::new(Some(schema)))
            .build();
        self.answers.push((status, response));
        self
    }

    /// A success answer of type `T`.
    fn ok<T: ToSchema>(mut self, status: u16, about: &'static str) -> Self {
        let schema = self.schema::<T>();
        self.answer(status, about, schema)
    }

    /// A success answer of `Vec<T>`.
    fn ok_list<T: ToSchema>(mut self, about: &'static str) -> Self {
        let schema = self.list::<T>();
        self.answer(200, about, schema)
    }

    /// A success answer of `Page<T>`.
    fn ok_page<T: ToSchema>(mut self, about: &'static str) -> Self {
        let schema = self.page::<T>();
        self.answer(200, about, schema)
    }

    /// The success answers carry the record's version as an `ETag`.
    fn etag(mut self) -> Self {
        for (status, response) in &mut self.answers {
            if (200..300).contains(status) {
                response.headers.insert(
                    "ETag".into(),
                    described_header("The record's `version`, quoted: send it back in `If-Match`")
                        .into(),
                );
            }
        }
        self
    }

    /// Problem answers beyond those worked out from what the route takes.
    fn errors(mut self, statuses: &[u16]) -> Self {
        self.errors.extend(statuses);
        self
    }

    /// Every problem status the route can answer with.
    fn problem_statuses(&self, access: Option<Access>) -> BTreeSet<u16> {
        let mut all = self.errors.clone();
        // Unreadable parameters; text with a NUL character (`extract`).
        if !self.query.is_empty() {
            all.extend([400, 422]);
        }
        if !self.headers.is_empty() {
            all.insert(400);
        }
        if !self.path_params.is_empty() {
            all.insert(404);
        }
        if self.body.is_some() {
            all.extend([400, 413, 422]);
        }
        match access {
            Some(Access::Public) | None => {}
            Some(need) => {
                all.insert(401);
                if need != Access::Read {
                    all.insert(403);
                }
                if !limits::rate_exempt(&self.method, self.path) {
                    all.insert(429);
                }
            }
        }
        all
    }

    /// The OpenAPI operation.
    fn operation(&self) -> Operation {
        let access = access::required(&self.method, self.path);
        let mut parameters: Vec<Parameter> = self
            .path_params
            .iter()
            .map(|(name, schema, about)| {
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(schema.clone()))
                    .description(Some(*about))
                    .example(
                        self.examples
                            .iter()
                            .find(|(n, _)| n == name)
                            .map(|(_, v)| v.clone()),
                    )
                    .build()
            })
            .collect();
        parameters.extend(self.query.iter().cloned());
        parameters.extend(self.headers.iter().cloned());
        let mut responses = ResponsesBuilder::new();
        for (status, response) in &self.answers {
            responses = responses.response(status.to_string(), response.clone());
        }
        for status in self.problem_statuses(access) {
            responses = responses.response(status.to_string(), problem(status));
        }
        let who = match access {
            Some(Access::Public) => "No token needed.".to_string(),
            Some(need) => format!("Needs a bearer token with {}.", need.who()),
            None => "Not in the route table.".to_string(),
        };
        let description = match self.description {
            Some(d) => format!("{d}\n\n{who}"),
            None => who,
        };
        let security = match access {
            Some(Access::Public) => Vec::new(),
            _ => vec![SecurityRequirement::new(BEARER, Vec::<String>::new())],
        };
        OperationBuilder::new()
            .operation_id(Some(operation_id(&self.method, self.path)))
            .tag(self.tag)
            .summary(Some(self.summary))
            .description(Some(description))
            .parameters(Some(parameters))
            .request_body(self.body.clone())
            .responses(responses.build())
            .securities(Some(security))
            .build()
    }
}

/// `get_incidents_id_action` for `GET /api/v1/incidents/{id}/{action}`.
fn operation_id(method: &Method, path: &str) -> String {
    let rest = path.trim_start_matches("/api/v1/");
    let words: Vec<String> = rest
        .split('/')
        .map(|s| {
            s.trim_matches(|c| c == '{' || c == '}')
                .replace(['.', '-'], "_")
        })
        .collect();
    format!(
        "{}_{}",
        method.as_str().to_ascii_lowercase(),
        words.join("_")
    )
}

fn string() -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).into()
}

fn int64() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
        .into()
}

/// A string that is one of `values`.
fn one_of(values: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .into()
}

fn described_header(about: &str) -> Header {
    let mut h = Header::new(string());
    h.description = Some(about.to_string());
    h
}

/// A problem answer with `status`.
fn problem(status: u16) -> Response {
    let about = match status {
        400 => "The request could not be read: a malformed body, query parameter or header",
        401 => "No token, or one unknown, revoked or expired",
        403 => "The token's role may not do this",
        404 => "No such record, step or address",
        409 => {
            "Changed by someone else first (a stale `If-Match`), or the record's state does \
             not allow this; `current` holds the record as it stands"
        }
        413 => "The request body is larger than this route takes",
        422 => "The request breaks a rule; `detail` says which",
        429 => "Over the token's request rate; try again after `Retry-After` seconds",
        _ => "A problem",
    };
    let mut b = ResponseBuilder::new().description(about).content(
        PROBLEM_JSON,
        Content::new(Some(Ref::from_schema_name(Problem::name()))),
    );
    if status == 429 {
        b = b.header(
            "Retry-After",
            described_header("Seconds until the token may ask again"),
        );
    }
    b.build()
}

/// The fields of every step of a `#[serde(tag = "action")]` enum, merged
/// into one object (the action itself comes from the path), and the
/// actions' names.
fn step_fields<T: ToSchema>() -> (RefOr<Schema>, Vec<String>) {
    let mut object = ObjectBuilder::new().schema_type(Type::Object);
    let mut actions = Vec::new();
    let mut lines = Vec::new();
    let RefOr::T(Schema::OneOf(one_of)) = T::schema() else {
        return (object.into(), actions);
    };
    for item in one_of.items {
        let RefOr::T(Schema::Object(variant)) = item else {
            continue;
        };
        let action = variant
            .properties
            .get("action")
            .and_then(|a| match a {
                RefOr::T(Schema::Object(o)) => o.enum_values.as_ref()?.first()?.as_str(),
                _ => None,
            })
            .unwrap_or_default()
            .to_string();
        let mut takes = Vec::new();
        for (name, schema) in variant.properties {
            if name == "action" {
                continue;
            }
            let needed = variant.required.contains(&name);
            takes.push(if needed {
                format!("`{name}` (required)")
            } else {
                format!("`{name}`")
            });
            object = object.property(name, schema);
        }
        lines.push(if takes.is_empty() {
            format!("- `{action}`: nothing")
        } else {
            format!("- `{action}`: {}", takes.join(", "))
        });
        actions.push(action);
    }
    let about = format!(
        "The step's fields; which ones depends on the action:\n{}",
        lines.join("\n")
    );
    (object.description(Some(about)).into(), actions)
}

/// Every route's entry. Keyed by method and path as in `ROUTES`; the test
/// in `tests/openapi.rs` checks that the two tables list the same routes.
pub fn operations() -> Vec<Op> {
    use Method as M;
    let id = |what: &'static str| (int64(), what);
    let (incident_step, incident_actions) = step_fields::<Transition>();
    let incident_actions: Vec<&str> = incident_actions.iter().map(String::as_str).collect();
    let (vessel_step, _) = step_fields::<VesselStep>();
    let image = |about: &'static str| {
        let binary = ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type("application/octet-stream")
            .build();
        let mut b = ResponseBuilder::new().description(about);
        for t in ["image/jpeg", "image/png"] {
            b = b.content(t, Content::new(Some(binary.clone())));
        }
        b.build()
    };
    let sse = |about: &'static str| {
        ResponseBuilder::new()
            .description(about)
            .content("text/event-stream", Content::new(Some(string())))
            .build()
    };
    let last_event_id = (
        "Last-Event-ID",
        int64(),
        "Replay the events after this id (a reconnecting client sends it)",
    );

    let mut ops = vec![
        // System.
        op(
            M::GET,
            "/api/v1/health",
            "system",
            "Whether the server and its database answer",
        )
        .ok::<Health>(200, "The server and its database answer"),
        op(
            M::GET,
            "/api/v1/openapi.json",
            "system",
            "This OpenAPI document",
        )
        .answer(
            200,
            "The OpenAPI 3.1 document of every route",
            ObjectBuilder::new().schema_type(Type::Object).into(),
        ),
        {
            let (name, schema, about) = last_event_id.clone();
            op(
                M::GET,
                "/api/v1/events",
                "system",
                "Every change, as server-sent events",
            )
            .about(
                "A `ready` greeting carries the id to resume from; then one event per \
                     committed change (`id`, `event` = kind, `data` = the Event as JSON), and \
                     a keep-alive comment every 15 s. Alerts only for the patrol, transport \
                     and admin roles. The stream does not end until the server stops.",
            )
            .query::<events::EventsQuery>()
            .header(name, schema, about)
        }
        .component::<crate::model::Event>()
        .replace_answers(vec![(
            200,
            sse("The event stream; each `data` is an `Event`"),
        )]),
        // Incidents.
        op(
            M::GET,
            "/api/v1/incidents",
            "incidents",
            "List incidents, newest first",
        )
        .about("Callers' phones are masked unless `reveal=true` (dispatcher, admin; audited).")
        .query::<incidents::ListQuery>()
        .query::<reveal::RevealQuery>()
        .ok_page::<Incident>("A page of incidents")
        .errors(&[403, 422]),
        op(
            M::POST,
            "/api/v1/incidents",
            "incidents",
            "Report an incident",
        )
        .json_body::<NewIncident>("The call: the elevator's rescue code, who is trapped")
        .ok::<Incident>(201, "The incident, reported")
        .etag()
        .errors(&[404, 422]),
        {
            let (schema, about) = id("The incident number");
            op(
                M::GET,
                "/api/v1/incidents/{id}",
                "incidents",
                "One incident with its timeline",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .query::<reveal::RevealQuery>()
            .ok::<Incident>(200, "The incident")
            .etag()
            .errors(&[403])
        },
        {
            let (schema, about) = id("The incident number");
            op(
                M::GET,
                "/api/v1/incidents/{id}/suggestions",
                "incidents",
                "Teams to send, best first",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .ok_list::<Suggestion>("The teams, with why each is suggested")
        },
        {
            let (schema, about) = id("The incident number");
            op(
                M::POST,
                "/api/v1/incidents/{id}/{action}",
                "incidents",
                "Take the incident a step on",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .path_param("action", one_of(&incident_actions), "The step")
            .if_match()
            .body_schema(incident_step, "The step's fields; may be empty", false)
            .ok::<Incident>(200, "The incident after the step")
            .etag()
            .errors(&[422])
        },
        // Registers.
        op(M::GET, "/api/v1/teams", "registers", "List rescue teams")
            .about("Duty phones are masked unless `reveal=true` (dispatcher, admin; audited).")
            .query::<registers::TeamQuery>()
            .query::<reveal::RevealQuery>()
            .ok_page::<Team>("A page of teams")
            .errors(&[403, 422]),
        op(
            M::GET,
            "/api/v1/teams/{code}",
            "registers",
            "One rescue team",
        )
        .path_param("code", string(), "The team's code, e.g. `T0001`")
        .example("code", "T0001")
        .query::<reveal::RevealQuery>()
        .ok::<Team>(200, "The team")
        .errors(&[403]),
        op(M::GET, "/api/v1/elevators", "registers", "List elevators")
            .query::<registers::ElevatorQuery>()
            .ok_page::<Elevator>("A page of elevators"),
        op(
            M::GET,
            "/api/v1/elevators/{code}",
            "registers",
            "One elevator",
        )
        .path_param("code", string(), "Its 6-digit rescue code")
        .example("code", "100301")
        .ok::<Elevator>(200, "The elevator"),
        op(
            M::GET,
            "/api/v1/stats/incidents",
            "incidents",
            "Incident figures",
        )
        .about("One local day (today by default) or a month, in total or by city or day.")
        .query::<stats::StatsQuery>()
        .ok_list::<IncidentStats>("One row per group")
        .errors(&[422]),
        // Tokens.
        op(
            M::GET,
            "/api/v1/tokens",
            "tokens",
            "List tokens (never their secrets)",
        )
        .ok_list::<TokenRecord>("Every token"),
        op(M::POST, "/api/v1/tokens", "tokens", "Issue a token")
            .json_body::<tokens::NewToken>("Who holds it, its role, and when it expires")
            .ok::<IssuedToken>(201, "The token with its secret, shown this once")
            .errors(&[422]),
        {
            let (schema, about) = id("The token's id");
            op(
                M::DELETE,
                "/api/v1/tokens/{id}",
                "tokens",
                "Revoke a token at once",
            )
            .path_param("id", schema, about)
            .ok::<TokenRecord>(200, "The token, revoked")
            .errors(&[409])
        },
        // Vessels.
        op(
            M::GET,
            "/api/v1/vessels",
            "vessels",
            "List three-no vessels",
        )
        .about("Owners' resident IDs are masked unless `reveal=true` (maritime, admin; audited).")
        .query::<vessels::ListQuery>()
        .query::<reveal::RevealQuery>()
        .ok_page::<Vessel>("A page of vessels")
        .errors(&[403, 422]),
        op(
            M::POST,
            "/api/v1/vessels",
            "vessels",
            "Register a found vessel",
        )
        .json_body::<NewVessel>("Where and what it is; `waterway` and `city` are required")
        .ok::<Vessel>(201, "The vessel")
        .etag()
        .errors(&[422]),
        {
            let (schema, about) = id("The case number");
            op(
                M::GET,
                "/api/v1/vessels/{id}",
                "vessels",
                "One vessel with its timeline",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .query::<reveal::RevealQuery>()
            .ok::<Vessel>(200, "The vessel")
            .etag()
            .errors(&[403])
        },
        {
            let (schema, about) = id("The case number");
            op(
                M::PATCH,
                "/api/v1/vessels/{id}",
                "vessels",
                "Change a vessel's fields",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .if_match()
            .json_body::<VesselFields>("The fields to change; those absent stay")
            .ok::<Vessel>(200, "The vessel after the change")
            .etag()
            .errors(&[422])
        },
        {
            let (schema, about) = id("The case number");
            op(
                M::POST,
                "/api/v1/vessels/{id}/{action}",
                "vessels",
                "Take the vessel a step on",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .path_param("action", one_of(&VESSEL_STEPS), "The step")
            .if_match()
            .body_schema(vessel_step, "The step's fields; may be empty", false)
            .ok::<Vessel>(200, "The vessel after the step")
            .etag()
            .errors(&[422])
        },
        {
            let (schema, about) = id("The case number");
            op(
                M::GET,
                "/api/v1/vessels/{id}/photos",
                "vessels",
                "A vessel's photos",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .ok_list::<Photo>("The photos, oldest first")
        },
        {
            let (schema, about) = id("The case number");
            let binary: RefOr<Schema> = ObjectBuilder::new()
                .schema_type(Type::String)
                .content_media_type("application/octet-stream")
                .into();
            let mut body = RequestBodyBuilder::new()
                .description(Some(
                    "The image itself, JPEG or PNG; its type is read from its content",
                ))
                .required(Some(Required::True));
            for t in ["image/jpeg", "image/png"] {
                body = body.content(t, Content::new(Some(binary.clone())));
            }
            let mut o = op(
                M::POST,
                "/api/v1/vessels/{id}/photos",
                "vessels",
                "Add a photo",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .ok::<Photo>(201, "The photo, stored")
            .errors(&[400, 413, 422]);
            o.body = Some(body.build());
            o
        },
        {
            let (schema, about) = id("The case number");
            op(
                M::GET,
                "/api/v1/vessels/{id}/photos/{photo}",
                "vessels",
                "A photo's bytes",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .path_param(
                "photo",
                string(),
                "The photo's SHA-256, hex (or its first 8 digits or more)",
            )
            .replace_answers(vec![(200, image("The image, with its type"))])
            .errors(&[422])
        },
        op(
            M::GET,
            "/api/v1/bases",
            "vessels",
            "Detention bases and temporary points",
        )
        .ok_list::<Base>("Every base"),
        op(
            M::GET,
            "/api/v1/bases/{code}",
            "vessels",
            "One detention base",
        )
        .path_param("code", string(), "Its code, e.g. `B01`")
        .example("code", "B01")
        .ok::<Base>(200, "The base"),
        op(M::GET, "/api/v1/stats/vessels", "vessels", "Vessel figures")
            .query::<stats::VesselStatsQuery>()
            .ok_list::<VesselStats>("One row per group, and the total")
            .errors(&[422]),
        // Vehicle lists.
        op(
            M::POST,
            "/api/v1/plates/check",
            "vehicles",
            "Check plates against every list",
        )
        .about("Answered from the server's in-memory index of the lists.")
        .json_body::<CheckRequest>("Up to 10,000 plates as typed")
        .ok_list::<PlateCheck>("One answer per plate, in order")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/blacklist",
            "vehicles",
            "The illegal-operation list",
        )
        .query::<blacklist::ListQuery>()
        .ok_page::<Entry>("A page of the list")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/blacklist/{plate}",
            "vehicles",
            "One vehicle with its history",
        )
        .path_param("plate", string(), "The plate, e.g. `苏A12345`")
        .example("plate", "苏A80001")
        .ok::<Entry>(200, "Where it stands, with every step")
        .errors(&[422]),
        op(
            M::POST,
            "/api/v1/blacklist/{plate}/{action}",
            "vehicles",
            "Take a list step",
        )
        .path_param("plate", string(), "The plate, e.g. `苏A12345`")
        .example("plate", "苏A80001")
        .path_enum::<BlacklistAction>("action", "The step")
        .json_body::<blacklist::StepBody>("Where to, why, and the evidence")
        .ok::<Entry>(200, "Where the vehicle stands after the step")
        .errors(&[409, 422]),
        op(
            M::GET,
            "/api/v1/muck/violations",
            "vehicles",
            "Muck-truck violations",
        )
        .query::<muck::ListQuery>()
        .ok_list::<Violation>("The violations, newest first")
        .errors(&[422]),
        op(
            M::POST,
            "/api/v1/muck/violations",
            "vehicles",
            "Record a muck-truck violation",
        )
        .json_body::<NewViolation>("The truck, what it did and when")
        .ok::<Violation>(201, "The violation")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/muck/passes/{plate}",
            "vehicles",
            "A muck truck's pass",
        )
        .path_param("plate", string(), "The plate, e.g. `苏E12345`")
        .example("plate", "苏A60001")
        .query::<muck::PassQuery>()
        .ok::<Pass>(200, "Whether the pass is valid or suspended")
        .errors(&[422]),
        // Imports and cylinders.
        op(
            M::POST,
            "/api/v1/imports/{kind}/runs",
            "imports",
            "Start an import run",
        )
        .path_enum::<Kind>("kind", "What the run imports")
        .json_body::<NewRun>("The files, their digest, the columns and the batch size")
        .ok::<Run>(201, "The run, with its id")
        .errors(&[409, 422]),
        op(
            M::GET,
            "/api/v1/imports/{kind}/runs/{run}",
            "imports",
            "An import run",
        )
        .path_enum::<Kind>("kind", "What the run imports")
        .path_param("run", string(), "The run's id")
        .ok::<Run>(200, "The run with the batches committed so far"),
        op(
            M::POST,
            "/api/v1/imports/{kind}/batches",
            "imports",
            "Commit a batch of rows",
        )
        .about("Replaying a committed batch changes nothing and answers as before.")
        .path_enum::<Kind>("kind", "What the run imports")
        .json_body::<Batch>("One batch of a run")
        .ok::<BatchResult>(200, "What the batch did; refused rows say why")
        .errors(&[409, 422]),
        op(
            M::GET,
            "/api/v1/cylinders",
            "imports",
            "The LPG cylinder register",
        )
        .query::<imports::CylinderQuery>()
        .ok_page::<Cylinder>("A page of cylinders")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/cylinders/{code}",
            "imports",
            "One cylinder",
        )
        .path_param("code", string(), "The code stamped on it")
        .example("code", "SZ00320501")
        .ok::<Cylinder>(200, "The cylinder"),
        // Highway.
        op(
            M::POST,
            "/api/v1/passages",
            "highway",
            "Store gantry passages",
        )
        .about("Each passage is stored once, by gantry, time and plate.")
        .json_list_body::<NewPassage>("Up to 10,000 passages")
        .ok::<PassageCounts>(200, "How many were new, already stored, and alerts raised")
        .errors(&[422]),
        op(M::GET, "/api/v1/passages", "highway", "A vehicle's track")
            .query::<passages::TrackQuery>()
            .ok_page::<Passage>("A page of the vehicle's passages")
            .errors(&[422]),
        op(M::GET, "/api/v1/gantries", "highway", "The gantries").ok_list::<Gantry>("Every gantry"),
        op(
            M::GET,
            "/api/v1/alerts",
            "highway",
            "Alerts raised by listed vehicles passing",
        )
        .query::<passages::AlertsQuery>()
        .ok_list::<AlertRecord>("The alerts, oldest first"),
        {
            let (name, schema, about) = last_event_id;
            op(
                M::GET,
                "/api/v1/alerts/stream",
                "highway",
                "Alerts, as server-sent events",
            )
            .about("Like `/events`, with only the alerts. The stream does not end.")
            .query::<events::EventsQuery>()
            .header(name, schema, about)
            .replace_answers(vec![(
                200,
                sse("The alert stream; each `data` is an `Event`"),
            )])
        },
        op(
            M::GET,
            "/api/v1/screen/rule",
            "highway",
            "The suspect rule's thresholds",
        )
        .ok::<Rule>(200, "The thresholds"),
        op(
            M::PUT,
            "/api/v1/screen/rule",
            "highway",
            "Set the suspect rule's thresholds",
        )
        .json_body::<RuleChange>("The window and the distinct days")
        .ok::<Rule>(200, "The thresholds as set")
        .errors(&[422]),
        op(
            M::POST,
            "/api/v1/screen/runs",
            "highway",
            "Screen the passages for suspects",
        )
        .json_body::<RunRequest>("The window and thresholds; the rule's when absent")
        .ok::<Report>(200, "What was found and done")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/notices",
            "highway",
            "Notices to other provinces",
        )
        .query::<notices::ListQuery>()
        .ok_page::<Notice>("A page of notices")
        .errors(&[422]),
        {
            let (schema, about) = id("The notice number");
            op(M::GET, "/api/v1/notices/{id}", "highway", "One notice")
                .path_param("id", schema, about)
                .example("id", 1)
                .ok::<Notice>(200, "The notice")
        },
        {
            let (schema, about) = id("The notice number");
            op(
                M::POST,
                "/api/v1/notices/{id}/{action}",
                "highway",
                "Mark a notice",
            )
            .path_param("id", schema, about)
            .example("id", 1)
            .path_param("action", one_of(&["sent", "acknowledged"]), "The mark")
            .ok::<Notice>(200, "The notice, marked")
            .errors(&[409, 422])
        },
        // Audit.
        op(
            M::GET,
            "/api/v1/audit",
            "audit",
            "The audit log, newest first",
        )
        .query::<audit::ListQuery>()
        .ok_page::<AuditRow>("A page of the log")
        .errors(&[422]),
        op(
            M::GET,
            "/api/v1/audit/verify",
            "audit",
            "Check the audit log's hash chain",
        )
        .ok::<Verification>(200, "Whether the chain is intact, and the first bad row"),
    ];
    for o in &mut ops {
        // The problem schema every error refers to.
        o.schema::<Problem>();
    }
    ops
}

impl Op {
    /// Replaces the success answers.
    fn replace_answers(mut self, answers: Vec<(u16, Response)>) -> Self {
        self.answers = answers;
        self
    }

    /// Registers `T` as a component that descriptions refer to.
    fn component<T: ToSchema>(mut self) -> Self {
        self.schema::<T>();
        self
    }
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut paths = Paths::new();
    let mut components = ComponentsBuilder::new();
    let mut seen = BTreeSet::new();
    for o in operations() {
        let method = http_method(&o.method);
        let item = PathItem::new(method, o.operation());
        match paths.paths.get_mut(o.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(o.path.to_string(), item);
            }
        }
        for (name, schema) in o.schemas {
            if seen.insert(name.clone()) {
                components = components.schema(name, schema);
            }
        }
    }
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.description = Some(
        "A token from `safedesk token create` (the first admin token is in \
         DATA_DIR/admin.token)"
            .into(),
    );
    let components = components
        .security_scheme(BEARER, SecurityScheme::Http(bearer))
        .build();
    let tags = [
        ("system", "Health, the event stream and this document"),
        ("incidents", "96333 elevator entrapments"),
        ("registers", "Rescue teams and elevators"),
        ("tokens", "API tokens"),
        ("vessels", "The three-no vessel register"),
        (
            "vehicles",
            "Plate checks, the illegal-operation list, muck trucks",
        ),
        ("imports", "Bulk imports and the cylinder register"),
        ("highway", "Gantry passages, alerts, screening and notices"),
        ("audit", "The hash-chained audit log"),
    ]
    .into_iter()
    .map(|(name, about)| {
        let mut t = Tag::new(name);
        t.description = Some(about.into());
        t
    });
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("safedesk")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "The REST API of the provincial safety-supervision platform. Errors are \
                     RFC 9457 problem JSON; lists page with `cursor` and `next`; writes to a \
                     versioned record take `If-Match`.",
                ))
                .build(),
        )
        .paths(paths)
        .components(Some(components))
        .tags(Some(tags))
        .build()
}

fn http_method(m: &Method) -> HttpMethod {
    match *m {
        Method::POST => HttpMethod::Post,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        Method::DELETE => HttpMethod::Delete,
        Method::HEAD => HttpMethod::Head,
        Method::OPTIONS => HttpMethod::Options,
        _ => HttpMethod::Get,
    }
}

/// `GET /api/v1/openapi.json`: the document, built once.
pub async fn serve() -> HttpResponse {
    static JSON: OnceLock<Vec<u8>> = OnceLock::new();
    let body = JSON.get_or_init(|| serde_json::to_vec(&document()).unwrap_or_default());
    let mut r = body.clone().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
