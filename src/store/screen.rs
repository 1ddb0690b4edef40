//! Screening: the stored suspect rule, the register of licensed
//! operators, and a run that reads the window's bus passages, finds the
//! buses that match the rule, and adds each new one to the
//! illegal-operation list as a suspect through the list's own step.

use super::{Error, Result, Store};
use crate::model::Event;
use crate::model::audit::{Actor, AuditEntry};
use crate::model::blacklist::{Action, Stage, Step};
use crate::model::screen::{self, Finding, Licence, Outcome, Report, Rule, RunRequest, Sighting};
use crate::model::time::{day_bounds, from_millis, to_millis};
use chrono::{Duration, NaiveDate, Utc};
use sqlx::{AssertSqlSafe, Row};
use std::collections::{HashMap, HashSet};

impl Store {
    /// The suspect rule's thresholds as stored.
    pub async fn screen_rule(&self) -> Result<Rule> {
        let row = sqlx::query(
            "SELECT days, min_days, updated_at, updated_by FROM screen_rule WHERE id = 1",
        )
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound("the screening rule is missing".into()))?;
        let at: Option<i64> = row.try_get("updated_at")?;
        Ok(Rule {
            days: row.try_get("days")?,
            min_days: row.try_get("min_days")?,
            updated_at: at.map(from_millis),
            updated_by: row.try_get("updated_by")?,
        })
    }

    /// Sets the rule's thresholds as `actor`, audited.
    pub async fn set_screen_rule(
        &self,
        days: i64,
        min_days: i64,
        actor: Actor<'_>,
    ) -> Result<Rule> {
        Rule::check(days, min_days).map_err(Error::Invalid)?;
        let before = self.screen_rule().await?;
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE screen_rule SET days = $1, min_days = $2, updated_at = $3, updated_by = $4 \
             WHERE id = 1",
        )
        .bind(days)
        .bind(min_days)
        .bind(Utc::now().timestamp_millis())
        .bind(actor.name.to_string())
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT updated_at FROM screen_rule WHERE id = 1")
            .fetch_one(&mut *tx)
            .await?;
        let at: Option<i64> = row.try_get("updated_at")?;
        let after = Rule {
            days,
            min_days,
            updated_at: at.map(from_millis),
            updated_by: Some(actor.name.to_string()),
        };
        let entry = AuditEntry::new("screen_rule", "1", "set")
            .before(&before)
            .after(&after);
        self.append_audit(&mut tx, actor, entry).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Adds or replaces licensed operators' buses, in one transaction
    /// (fixtures, imports).
    pub async fn upsert_licences(&self, licences: &[Licence]) -> Result<()> {
        let mut tx = self.write().await?;
        for l in licences {
            sqlx::query(
                "INSERT INTO licensed_operators (plate, operator, licence, route) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (plate) DO UPDATE SET \
                 operator = excluded.operator, licence = excluded.licence, route = excluded.route",
            )
            .bind(l.plate.clone())
            .bind(l.operator.clone())
            .bind(l.licence.clone())
            .bind(l.route.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every licensed operator's bus, by plate.
    pub async fn licences(&self) -> Result<Vec<Licence>> {
        let rows = sqlx::query(
            "SELECT plate, operator, licence, route FROM licensed_operators ORDER BY plate",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Licence {
                    plate: r.try_get("plate")?,
                    operator: r.try_get("operator")?,
                    licence: r.try_get("licence")?,
                    route: r.try_get("route")?,
                })
            })
            .collect()
    }

    /// Bus passages (passenger and coach) in `[from, to)`, by plate and time.
    async fn bus_sightings(&self, from: i64, to: i64) -> Result<Vec<Sighting>> {
        let rows = sqlx::query(
            "SELECT plate, gantry_id, at FROM passages WHERE at >= $1 AND at < $2 \
             AND class IN ('passenger', 'coach') ORDER BY plate, at",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Sighting {
                    plate: r.try_get("plate")?,
                    gantry: r.try_get("gantry_id")?,
                    at: from_millis(r.try_get("at")?),
                })
            })
            .collect()
    }

    /// The stages of those of `plates` that are on the list.
    async fn stages_of(&self, plates: &[String]) -> Result<HashMap<String, Stage>> {
        let mut found = HashMap::new();
        for chunk in plates.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT plate, stage FROM blacklist WHERE plate IN ({})",
                marks.join(", ")
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for p in chunk {
                q = q.bind(p.clone());
            }
            for row in q.fetch_all(&self.pool).await? {
                let stage: String = row.try_get("stage")?;
                found.insert(
                    row.try_get("plate")?,
                    stage.parse().map_err(Error::Invalid)?,
                );
            }
        }
        Ok(found)
    }

    /// Runs the suspect rule over the window that starts on `req.from`
    /// (or ends with `today`), and adds each bus it finds that is neither
    /// licensed, excluded nor already listed as a suspect, as `actor`.
    pub async fn run_screen(
        &self,
        req: &RunRequest,
        today: NaiveDate,
        actor: Actor<'_>,
    ) -> Result<(Report, Vec<Event>)> {
        let rule = self.screen_rule().await?;
        let days = req.days.unwrap_or(rule.days);
        let min_days = req.min_days.unwrap_or(rule.min_days);
        Rule::check(days, min_days).map_err(Error::Invalid)?;
        let first = req.from.unwrap_or(today - Duration::days(days - 1));
        let (from, _) = day_bounds(first);
        let (to, _) = day_bounds(first + Duration::days(days));
        let sightings = self.bus_sightings(to_millis(from), to_millis(to)).await?;
        let buses = sightings
            .iter()
            .map(|s| s.plate.as_str())
            .collect::<HashSet<_>>()
            .len() as i64;
        let mut findings = screen::find(&sightings, min_days);
        self.name_routes(&mut findings).await?;
        let events = self.settle(&mut findings, days, req.dry_run, actor).await?;
        let report = Report {
            from,
            to,
            days,
            min_days,
            buses,
            findings,
        };
        Ok((report, events))
    }

    /// Fills in the gantry names of each finding's route.
    async fn name_routes(&self, findings: &mut [Finding]) -> Result<()> {
        let names: HashMap<String, String> = self
            .gantries()
            .await?
            .into_iter()
            .map(|g| (g.id, g.name))
            .collect();
        for f in findings {
            f.route_names = f
                .route
                .iter()
                .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
                .collect();
        }
        Ok(())
    }

    /// Decides each finding's outcome, adding the new suspects.
    async fn settle(
        &self,
        findings: &mut [Finding],
        days: i64,
        dry_run: bool,
        actor: Actor<'_>,
    ) -> Result<Vec<Event>> {
        let licensed: HashSet<String> = self
            .licences()
            .await?
            .into_iter()
            .map(|l| l.plate)
            .collect();
        let plates: Vec<String> = findings.iter().map(|f| f.plate.clone()).collect();
        let stages = self.stages_of(&plates).await?;
        let mut events = Vec::new();
        for f in findings.iter_mut() {
            f.outcome = match stages.get(&f.plate) {
                _ if licensed.contains(&f.plate) => Outcome::Licensed,
                Some(Stage::Excluded) => Outcome::Excluded,
                Some(s) if s.is_listed() => Outcome::Listed,
                _ if dry_run => Outcome::WouldAdd,
                _ => {
                    let step = Step {
                        plate: f.plate.clone(),
                        action: Action::Add,
                        to: Some(Stage::Suspect),
                        reason: format!("screening: ran one route on {} days in {days}", f.days),
                        evidence: Some(f.evidence(days)),
                    };
                    let (_, added) = self.blacklist_step(&step, actor).await?;
                    events.extend(added);
                    Outcome::Added
                }
            };
        }
        Ok(events)
    }
}
