//! Unmasked personal data, read only together with the audit rows that
//! record who saw it.

use super::{Bind, Result, Store, bind_all};
use crate::model::audit::{Actor, AuditEntry};
use sqlx::{AssertSqlSafe, Row};
use std::collections::HashMap;

/// Where a masked column lives: table, key column, whether the key is a
/// number, the column, and the audit log's name for the kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The table.
    pub table: &'static str,
    /// Its key column.
    pub key: &'static str,
    /// Whether the key is a number (an id) rather than text (a code).
    pub numeric_key: bool,
    /// The column that holds the personal data.
    pub column: &'static str,
    /// The audit log's `entity` for a record of this table.
    pub entity: &'static str,
}

impl Store {
    /// The unmasked `column` of the records with `keys`, keyed by key; one
    /// `reveal` audit row for each record that has a value, committed in
    /// the same transaction before anything is returned. A key that is not
    /// a record, or whose value is empty, is left out and not audited.
    pub async fn reveal(
        &self,
        actor: Actor<'_>,
        column: Column,
        keys: &[String],
    ) -> Result<HashMap<String, String>> {
        let mut found = HashMap::new();
        if keys.is_empty() {
            return Ok(found);
        }
        let mut tx = self.write().await?;
        for chunk in keys.chunks(500) {
            let binds: Vec<Bind> = chunk
                .iter()
                .filter_map(|k| {
                    if column.numeric_key {
                        k.parse::<i64>().ok().map(Bind::Int)
                    } else {
                        Some(Bind::Text(k.clone()))
                    }
                })
                .collect();
            if binds.is_empty() {
                continue;
            }
            let marks: Vec<String> = (1..=binds.len()).map(|i| format!("${i}")).collect();
            let key_text = if column.numeric_key {
                format!("CAST({} AS TEXT)", column.key)
            } else {
                column.key.to_string()
            };
            let sql = format!(
                "SELECT {key_text} AS k, {col} AS v FROM {table} WHERE {key} IN ({marks}) \
                 AND {col} IS NOT NULL AND {col} <> ''",
                col = column.column,
                table = column.table,
                key = column.key,
                marks = marks.join(", "),
            );
            let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), &binds)
                .fetch_all(&mut *tx)
                .await?;
            for row in rows {
                found.insert(row.try_get::<String, _>("k")?, row.try_get("v")?);
            }
        }
        let mut revealed: Vec<&String> = found.keys().collect();
        revealed.sort();
        for key in revealed {
            let mut entry = AuditEntry::new(column.entity, key, "reveal");
            entry.after = Some(serde_json::json!({ "revealed": column.column }));
            self.append_audit(&mut tx, actor, entry).await?;
        }
        tx.commit().await?;
        Ok(found)
    }
}
