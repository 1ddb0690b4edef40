//! API tokens: stored as SHA-256 hashes, never as themselves.

use super::{Backend, Error, Result, Store};
use crate::model::audit::{Actor, AuditEntry};
use crate::model::{Role, TokenRecord};
use chrono::{DateTime, Utc};
use rand::Rng;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// The hash a token is stored and looked up by.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn fresh_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let body: String = (0..40)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("sd_{body}")
}

fn record(row: &sqlx::any::AnyRow) -> Result<TokenRecord> {
    let role: String = row.try_get("role")?;
    Ok(TokenRecord {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: role.parse().map_err(Error::Invalid)?,
        created_at: crate::model::time::from_millis(row.try_get("created_at")?),
        expires_at: row
            .try_get::<Option<i64>, _>("expires_at")?
            .map(crate::model::time::from_millis),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(crate::model::time::from_millis),
    })
}

impl Store {
    /// Makes a token for `name` with `role` and returns its secret, which is
    /// shown this once and kept only as a hash (the audit log has neither).
    pub async fn create_token(
        &self,
        name: &str,
        role: Role,
        expires_at: Option<DateTime<Utc>>,
        actor: Actor<'_>,
    ) -> Result<(String, TokenRecord)> {
        if name.trim().is_empty() {
            return Err(Error::Invalid("a token needs a name (--name)".into()));
        }
        let secret = fresh_secret();
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "INSERT INTO tokens (name, role, hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, name, role, created_at, expires_at, revoked_at",
        )
        .bind(name.trim().to_string())
        .bind(role.as_str())
        .bind(hash(&secret))
        .bind(Utc::now().timestamp_millis())
        .bind(expires_at.map(|t| t.timestamp_millis()))
        .fetch_one(&mut *tx)
        .await?;
        let rec = record(&row)?;
        let entry = AuditEntry::new("token", rec.id, "create").after(&rec);
        self.append_audit(&mut tx, actor, entry).await?;
        tx.commit().await?;
        Ok((secret, rec))
    }

    /// Makes the first admin token when there is none, and returns its secret;
    /// `None` when one exists. Servers starting together make only one.
    pub async fn ensure_admin_token(&self) -> Result<Option<String>> {
        let mut tx = self.write().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock(96334)")
                .execute(&mut *tx)
                .await?;
        }
        let admins: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL",
        )
        .fetch_one(&mut *tx)
        .await?;
        if admins > 0 {
            return Ok(None);
        }
        let secret = fresh_secret();
        let row = sqlx::query(
            "INSERT INTO tokens (name, role, hash, created_at) VALUES ('admin', 'admin', $1, $2) \
             RETURNING id, name, role, created_at, expires_at, revoked_at",
        )
        .bind(hash(&secret))
        .bind(Utc::now().timestamp_millis())
        .fetch_one(&mut *tx)
        .await?;
        let rec = record(&row)?;
        let entry = AuditEntry::new("token", rec.id, "create").after(&rec);
        self.append_audit(&mut tx, Actor::system("first-start"), entry)
            .await?;
        tx.commit().await?;
        Ok(Some(secret))
    }

    /// The live token with this secret: not revoked, not expired.
    pub async fn find_token(&self, secret: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(
            "SELECT id, name, role, created_at, expires_at, revoked_at FROM tokens \
             WHERE hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(hash(secret))
        .bind(Utc::now().timestamp_millis())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(record).transpose()
    }

    /// Every token, oldest first.
    pub async fn list_tokens(&self) -> Result<Vec<TokenRecord>> {
        let rows = sqlx::query(
            "SELECT id, name, role, created_at, expires_at, revoked_at FROM tokens ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(record).collect()
    }

    /// Revokes a token by its id; it stops working at once.
    pub async fn revoke_token(&self, id: i64, actor: Actor<'_>) -> Result<TokenRecord> {
        let mut tx = self.write().await?;
        let row = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL \
             RETURNING id, name, role, created_at, expires_at, revoked_at",
        )
        .bind(Utc::now().timestamp_millis())
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Err(Error::NotFound(format!(
                "no live token with id {id}; `safedesk token list` shows them"
            )));
        };
        let rec = record(&row)?;
        let before = TokenRecord {
            revoked_at: None,
            ..rec.clone()
        };
        let entry = AuditEntry::new("token", id, "revoke")
            .before(&before)
            .after(&rec);
        self.append_audit(&mut tx, actor, entry).await?;
        tx.commit().await?;
        Ok(rec)
    }
}
