use thiserror::Error;

/// Who a request goes to, so that a failure can say what to fix.
#[derive(Debug, Clone)]
pub struct Service {
    /// As a person knows it: "Cloudflare Workers AI", "the OpenAI-compatible server at http://…".
    pub name: String,
    /// The variable holding its key, named when the key is refused.
    pub key_env: Option<&'static str>,
    /// The variable or setting holding its address, named when it cannot be reached.
    pub url_env: Option<&'static str>,
}

impl Service {
    pub fn new(name: impl Into<String>) -> Service {
        Service { name: name.into(), key_env: None, url_env: None }
    }

    pub fn key_env(mut self, var: &'static str) -> Service {
        self.key_env = Some(var);
        self
    }

    pub fn url_env(mut self, var: &'static str) -> Service {
        self.url_env = Some(var);
        self
    }

    fn check_url(&self) -> String {
        match self.url_env {
            Some(v) => format!("check the address ({v}) and your network"),
            None => "check the address and your network".into(),
        }
    }
}

/// Why a request failed, worded for the person who has to fix it. Keys never appear here.
#[derive(Debug, Error)]
pub enum NetError {
    #[error("stopped")]
    Cancelled,
    #[error("cannot reach {service} at {url}: {detail}; {hint}")]
    Unreachable { service: String, url: String, detail: String, hint: String },
    #[error("{service} did not answer within {secs} s; try again, or raise the timeout in [network]")]
    Timeout { service: String, secs: u64 },
    #[error("{status} from {service}: {message}")]
    Status {
        service: String,
        status: u16,
        /// What to do, with the server's own words where it gave any.
        message: String,
        /// The server's own words alone (cleaned of control characters), for backends that read them.
        detail: String,
    },
    #[error("{service} refused the request: {detail}")]
    Refused { service: String, detail: String },
    #[error("{service} sent a reply larger than {limit_mb} MB; refused")]
    TooLarge { service: String, limit_mb: usize },
    #[error("{service} sent a reply that cannot be used: {detail}")]
    BadReply { service: String, detail: String },
    #[error("cannot start the network client: {0}")]
    Setup(String),
}

impl NetError {
    pub(super) fn unreachable(service: &Service, url: &str, detail: String) -> NetError {
        NetError::Unreachable { service: service.name.clone(), url: url.to_string(), detail, hint: service.check_url() }
    }

    pub fn bad_reply(service: &Service, detail: impl Into<String>) -> NetError {
        NetError::BadReply { service: service.name.clone(), detail: detail.into() }
    }

    /// The status error for a reply, with advice that depends on the status and the server's words.
    pub(super) fn status(service: &Service, status: u16, body: &[u8]) -> NetError {
        let detail = server_words(body);
        let advice = match status {
            401 | 403 => match service.key_env {
                Some(var) => format!("the key was refused: check {var}"),
                None => "access was refused: check the token".into(),
            },
            404 => format!("not found: {} and the model name", service.check_url()),
            408 | 504 => "the service timed out; try again".into(),
            413 => "the request is too large for it".into(),
            429 => "too many requests; wait a little and try again".into(),
            500..=599 => "the service failed; try again later".into(),
            _ => "the request was not accepted".into(),
        };
        let message = if detail.is_empty() { advice } else { format!("{advice} (it said: {detail})") };
        NetError::Status { service: service.name.clone(), status, message, detail }
    }

    /// True for failures worth trying again: the network, timeouts, rate limits and server errors.
    pub fn is_transient(&self) -> bool {
        match self {
            NetError::Unreachable { .. } | NetError::Timeout { .. } => true,
            NetError::Status { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            _ => false,
        }
    }
}

impl From<NetError> for crate::stage::StageError {
    fn from(e: NetError) -> Self {
        match e {
            NetError::Cancelled => crate::stage::StageError::Cancelled,
            other => crate::stage::StageError::Failed(other.to_string()),
        }
    }
}

/// The message a server put in its error body, from the shapes the services use (OpenAI's
/// `error.message`, Cloudflare's `errors[0].message`, Ollama's `error`, Hunyuan3D's `text`), cut short
/// and cleaned of control characters so a hostile server cannot write to the terminal.
pub fn server_words(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => {
            let pointers = ["/error/message", "/errors/0/message", "/error", "/text", "/detail", "/message"];
            pointers
                .iter()
                .filter_map(|p| v.pointer(p))
                .find_map(|x| x.as_str().map(str::to_string))
                .unwrap_or_default()
        }
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(400)]).into_owned(),
    };
    clean(&text, 300)
}

/// One line of printable text of at most `max` characters.
pub fn clean(text: &str, max: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_say_what_to_fix_in_the_servers_words() {
        let svc = Service::new("Cloudflare Workers AI").key_env("CLOUDFLARE_API_TOKEN");
        let body = br#"{"result":null,"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#;
        let e = NetError::status(&svc, 401, body).to_string();
        assert_eq!(e, "401 from Cloudflare Workers AI: the key was refused: check CLOUDFLARE_API_TOKEN (it said: Authentication error)");
        let e = NetError::status(&svc, 500, b"\x1b]0;pwned\x07 oops").to_string();
        assert!(!e.contains('\x1b') && e.contains("oops") && e.contains("try again later"), "{e}");
        assert!(NetError::status(&svc, 429, b"").is_transient());
        assert!(!NetError::status(&svc, 400, b"").is_transient());
    }
}
