//! The one HTTP client every remote backend uses. Stages are synchronous and run on worker
//! threads, so requests are driven to completion on a small runtime of the client's own; each
//! attempt has a timeout, transient failures are retried with backoff and jitter (honouring
//! `Retry-After`), the person's cancel stops a request at once, and no reply may exceed its cap.

use super::error::{NetError, Service};
use super::secret::Secret;
use crate::stage::Progress;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use std::time::Duration;

/// `[network]`: timeouts, retries and the reply cap shared by every remote backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Seconds to open a connection.
    pub connect_timeout_s: f64,
    /// Seconds one attempt may take, reply included.
    pub timeout_s: f64,
    /// Further attempts after a transient failure (unreachable, timeout, 429, 5xx).
    pub retries: u32,
    /// First wait between attempts, in seconds; doubled each time, with jitter.
    pub backoff_s: f64,
    /// The longest wait between attempts, `Retry-After` included; a server asking for more fails.
    pub max_wait_s: f64,
    /// Largest reply accepted, in MB.
    pub max_reply_mb: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            connect_timeout_s: 10.0,
            timeout_s: 120.0,
            retries: 3,
            backoff_s: 1.0,
            max_wait_s: 60.0,
            max_reply_mb: 64,
        }
    }
}

impl Policy {
    pub fn check(&self) -> Result<(), String> {
        let positive = [
            ("connect_timeout_s", self.connect_timeout_s),
            ("timeout_s", self.timeout_s),
            ("backoff_s", self.backoff_s),
            ("max_wait_s", self.max_wait_s),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
                return Err(format!("network.{name} = {v} must be between 0 and 86400 seconds"));
            }
        }
        if self.retries > 10 || !(1..=4096).contains(&self.max_reply_mb) {
            return Err("network.retries must be 0-10 and network.max_reply_mb 1-4096".into());
        }
        Ok(())
    }

    fn secs(v: f64) -> Duration {
        Duration::from_secs_f64(v.max(0.001))
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.backoff_s * 2f64.powi(attempt.min(16) as i32);
        let jitter = rand::rng().random_range(0.5..1.5);
        Policy::secs((base * jitter).min(self.max_wait_s))
    }
}

/// A request as the backends describe it.
pub struct Request<'a> {
    pub url: String,
    pub bearer: Option<&'a Secret>,
    /// POST with this JSON body; GET when none.
    pub json: Option<&'a serde_json::Value>,
    /// Overrides the policy's per-attempt timeout (image-to-3D on a server takes minutes).
    pub timeout: Option<Duration>,
    /// Retry transient failures; off for calls that must not be repeated, such as polling.
    pub retry: bool,
}

impl<'a> Request<'a> {
    pub fn get(url: impl Into<String>) -> Request<'a> {
        Request { url: url.into(), bearer: None, json: None, timeout: None, retry: true }
    }

    pub fn post(url: impl Into<String>, json: &'a serde_json::Value) -> Request<'a> {
        Request { json: Some(json), ..Request::get(url) }
    }

    pub fn bearer(mut self, key: Option<&'a Secret>) -> Request<'a> {
        self.bearer = key;
        self
    }

    pub fn timeout(mut self, t: Duration) -> Request<'a> {
        self.timeout = Some(t);
        self
    }

    pub fn once(mut self) -> Request<'a> {
        self.retry = false;
        self
    }
}

/// A successful reply (2xx): its body, within the cap.
#[derive(Debug)]
pub struct Reply {
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json<T: serde::de::DeserializeOwned>(&self, service: &Service) -> Result<T, NetError> {
        serde_json::from_slice(&self.bytes)
            .map_err(|e| NetError::bad_reply(service, format!("its reply is not the JSON expected ({e})")))
    }
}

/// The shared client; cheap to clone.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    policy: Policy,
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, NetError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("memoreez-net")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| NetError::Setup(e.clone()))
}

impl Http {
    pub fn new(policy: Policy) -> Result<Http, NetError> {
        let client = reqwest::Client::builder()
            .connect_timeout(Policy::secs(policy.connect_timeout_s))
            .user_agent(concat!("memoreez/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NetError::Setup(e.to_string()))?;
        Ok(Http { client, policy })
    }

    /// Sends `req` to `service`, retrying transient failures as the policy allows; notes each retry
    /// on `progress` and stops as soon as it is cancelled. Must not be called from async code.
    pub fn send(&self, service: &Service, req: &Request<'_>, progress: &dyn Progress) -> Result<Reply, NetError> {
        runtime()?.block_on(async {
            tokio::select! {
                r = self.send_async(service, req, progress) => r,
                _ = cancelled(progress) => Err(NetError::Cancelled),
            }
        })
    }

    async fn send_async(
        &self,
        service: &Service,
        req: &Request<'_>,
        progress: &dyn Progress,
    ) -> Result<Reply, NetError> {
        let attempts = if req.retry { self.policy.retries + 1 } else { 1 };
        let mut attempt = 0;
        loop {
            let (err, retry_after) = match self.attempt(service, req).await {
                Ok(reply) => return Ok(reply),
                Err(failure) => failure,
            };
            attempt += 1;
            if attempt >= attempts || !err.is_transient() {
                return Err(err);
            }
            let wait = match retry_after {
                Some(asked) if asked > Policy::secs(self.policy.max_wait_s) => {
                    return Err(NetError::Status {
                        service: service.name.clone(),
                        status: 429,
                        message: format!("it asks to wait {} s before trying again; try later", asked.as_secs()),
                        detail: String::new(),
                    })
                }
                Some(asked) => asked,
                None => self.policy.backoff(attempt - 1),
            };
            let why = match &err {
                NetError::Status { status, .. } => format!("answered {status}"),
                NetError::Timeout { .. } => "timed out".into(),
                _ => "could not be reached".into(),
            };
            progress.note(&format!(
                "{} {why}; trying again in {:.1} s ({} of {} attempts left)",
                service.name,
                wait.as_secs_f64(),
                attempts - attempt,
                attempts
            ));
            tracing::info!(service = %service.name, %err, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt; on failure, the error and how long the server asked us to wait.
    async fn attempt(&self, service: &Service, req: &Request<'_>) -> Result<Reply, (NetError, Option<Duration>)> {
        let timeout = req.timeout.unwrap_or(Policy::secs(self.policy.timeout_s));
        let mut builder = match req.json {
            Some(body) => self.client.post(&req.url).json(body),
            None => self.client.get(&req.url),
        };
        builder = builder.timeout(timeout);
        if let Some(key) = req.bearer {
            builder = builder.bearer_auth(key.expose());
        }
        let fail = |e: reqwest::Error| {
            if e.is_timeout() {
                NetError::Timeout { service: service.name.clone(), secs: timeout.as_secs().max(1) }
            } else {
                let detail = std::error::Error::source(&e).map(|s| s.to_string()).unwrap_or_else(|| e.to_string());
                let detail = req.bearer.map(|k| k.redact(&detail)).unwrap_or(detail);
                NetError::unreachable(service, &req.url, super::clean(&detail, 200))
            }
        };
        let mut resp = builder.send().await.map_err(|e| (fail(e), None))?;
        let status = resp.status().as_u16();
        let retry_after =
            resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        let limit = self.policy.max_reply_mb * 1024 * 1024;
        let too_large = || NetError::TooLarge { service: service.name.clone(), limit_mb: self.policy.max_reply_mb };
        if resp.content_length().is_some_and(|n| n > limit as u64) {
            return Err((too_large(), None));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| (fail(e), None))? {
            if bytes.len() + chunk.len() > limit {
                return Err((too_large(), None));
            }
            bytes.extend_from_slice(&chunk);
        }
        if (200..300).contains(&status) {
            Ok(Reply { bytes })
        } else {
            let err = NetError::status(service, status, &bytes);
            Err((redact(err, req.bearer), retry_after))
        }
    }
}

/// Resolves once `progress` says stop.
async fn cancelled(progress: &dyn Progress) {
    while !progress.is_cancelled() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn redact(err: NetError, key: Option<&Secret>) -> NetError {
    match (err, key) {
        (NetError::Status { service, status, message, detail }, Some(k)) => {
            NetError::Status { service, status, message: k.redact(&message), detail: k.redact(&detail) }
        }
        (err, _) => err,
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(wait.max(0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(100)).to_rfc2822();
        let got = parse_retry_after(&later).unwrap().as_secs();
        assert!((98..=100).contains(&got), "{got}");
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let p = Policy { backoff_s: 1.0, max_wait_s: 5.0, ..Policy::default() };
        for _ in 0..20 {
            let first = p.backoff(0).as_secs_f64();
            assert!((0.5..1.5).contains(&first), "{first}");
            let third = p.backoff(2).as_secs_f64();
            assert!((2.0..=5.0).contains(&third), "{third}");
            assert!(p.backoff(10).as_secs_f64() <= 5.0);
        }
        assert!(Policy { retries: 11, ..Policy::default() }.check().is_err());
        assert!(Policy { timeout_s: 0.0, ..Policy::default() }.check().unwrap_err().contains("timeout_s"));
    }
}
