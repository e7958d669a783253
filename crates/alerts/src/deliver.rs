//! Sending notifications: messages composed from outbox items (one notice, or a digest of several), sent
//! by e-mail over SMTP or as a signed webhook POST (HTTP or HTTPS). SMTP is plain TCP: a relay that
//! wants TLS is reached through the local relay a province's network already has.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use vantage_model::alert::{Alert, Severity, TimelineEntry, TimelineEvent};
use vantage_model::notify::Channel;
use vantage_outbound::{Call, HttpClient, Method};

/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Where e-mail goes out: an SMTP relay, and who the mail is from.
#[derive(Clone, PartialEq)]
pub struct SmtpRelay {
    /// `host:port`.
    pub address: String,
    /// For `AUTH PLAIN`, when the relay asks for it.
    pub credentials: Option<(String, String)>,
    pub from: String,
}

/// Without the password: settings end up in logs.
impl std::fmt::Debug for SmtpRelay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpRelay")
            .field("address", &self.address)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("from", &self.from)
            .finish()
    }
}

impl SmtpRelay {
    /// Reads `smtp://[user:password@]host[:port]`; port 25 when absent.
    pub fn parse(url: &str, from: &str) -> Result<SmtpRelay, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or("an SMTP relay is written smtp://[user:password@]host[:port]")?;
        let (credentials, host) = match rest.rsplit_once('@') {
            Some((user, host)) => {
                let (name, password) = user
                    .split_once(':')
                    .ok_or("write the relay's credentials as user:password@")?;
                (Some((name.to_owned(), password.to_owned())), host)
            }
            None => (None, rest),
        };
        let host = host.trim_end_matches('/');
        if host.is_empty() {
            return Err("the SMTP relay needs a host".to_owned());
        }
        if !from.contains('@') {
            return Err(format!("`{from}` is not an e-mail address to send from"));
        }
        let address = if host.contains(':') {
            host.to_owned()
        } else {
            format!("{host}:25")
        };
        Ok(SmtpRelay {
            address,
            credentials,
            from: from.to_owned(),
        })
    }
}

/// What notifications need besides the policies: the mail relay and the address of the web app.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbound {
    pub smtp: Option<SmtpRelay>,
    /// The web app's address as people reach it, for links in messages (e.g. `https://ioc.lamdong.gov.vn`).
    pub site_url: Option<String>,
}

/// One notice as a message shows it, with the names it needs.
pub(crate) struct Told {
    pub alert: Alert,
    pub entry: TimelineEntry,
    pub rule_name: String,
    pub indicator_name: String,
    pub unit_name: String,
    pub finding: String,
}

/// A message ready to send: subject and text, and the notices as JSON for webhooks.
pub(crate) struct Message {
    pub subject: String,
    pub text: String,
    pub json: String,
}

fn severity_words(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Nghiêm trọng",
        Severity::Major => "Cao",
        Severity::Minor => "Trung bình",
        Severity::Warning => "Lưu ý",
    }
}

fn event_words(event: TimelineEvent) -> &'static str {
    match event {
        TimelineEvent::Opened => "Cảnh báo mới",
        TimelineEvent::Cleared => "Điều kiện cảnh báo đã hết",
        TimelineEvent::HoldsAgain => "Điều kiện cảnh báo xuất hiện lại",
        TimelineEvent::Acknowledge => "Trung tâm đã tiếp nhận",
        TimelineEvent::Assign => "Giao giải trình",
        TimelineEvent::SubmitExplanation => "Đã có giải trình",
        TimelineEvent::Accept => "Giải trình được chấp nhận",
        TimelineEvent::Return => "Giải trình bị trả lại",
        TimelineEvent::Close => "Cảnh báo đã đóng",
        TimelineEvent::Reminded => "Nhắc hạn giải trình",
        TimelineEvent::Escalated => "Quá hạn giải trình, đã chuyển cấp trên",
    }
}

/// The message telling of `told` (one notice, or a digest of several, oldest first).
pub(crate) fn compose(
    policy: &str,
    told: &[Told],
    time_zone: &TimeZone,
    site_url: Option<&str>,
) -> Message {
    let local = |at: Timestamp| {
        time_zone
            .to_datetime(at)
            .strftime("%H:%M %d/%m/%Y")
            .to_string()
    };
    let subject = match told {
        [one] => format!(
            "[Vantage] {}: {} — {} ({})",
            event_words(one.entry.event),
            one.rule_name,
            one.unit_name,
            severity_words(one.alert.severity)
        ),
        many => format!("[Vantage] {} thông báo cảnh báo", many.len()),
    };
    let blocks: Vec<String> = told
        .iter()
        .map(|one| {
            let mut lines = vec![
                format!(
                    "{} — mức {} ({})",
                    event_words(one.entry.event),
                    severity_words(one.alert.severity).to_lowercase(),
                    local(one.entry.at)
                ),
                format!("Quy tắc: {}", one.rule_name),
                format!("Chỉ tiêu: {} ({})", one.indicator_name, one.alert.indicator),
                format!("Đơn vị: {}", one.unit_name),
                format!("Kỳ: {}", one.alert.period),
                one.finding.clone(),
            ];
            if let Some(due) = one.alert.due_at {
                lines.push(format!("Hạn giải trình: {}", local(due)));
            }
            if let Some(note) = &one.entry.note {
                lines.push(format!("Ghi chú: {note}"));
            }
            if let Some(site) = site_url {
                lines.push(format!(
                    "Xem: {}/canh-bao/{}",
                    site.trim_end_matches('/'),
                    one.alert.id
                ));
            }
            lines.join("\n")
        })
        .collect();
    let notices: Vec<serde_json::Value> = told
        .iter()
        .map(|one| serde_json::json!({"alert": one.alert, "entry": one.entry}))
        .collect();
    Message {
        subject,
        text: blocks.join("\n\n"),
        json: serde_json::json!({"policy": policy, "notices": notices}).to_string(),
    }
}

/// Sends a message on a channel; why not, when it fails.
pub(crate) async fn send(
    channel: &Channel,
    message: &Message,
    smtp: Option<&SmtpRelay>,
    http: &HttpClient,
    now: Timestamp,
) -> Result<(), String> {
    let sending = async {
        match channel {
            Channel::Email { to } => {
                let relay = smtp.ok_or("no SMTP relay is configured (smtp_url)")?;
                send_mail(relay, to, message, now).await
            }
            Channel::Webhook { url, secret } => post_webhook(http, url, secret, message, now).await,
        }
    };
    tokio::time::timeout(DELIVERY_TIMEOUT, sending)
        .await
        .unwrap_or_else(|_| Err("timed out".to_owned()))
}

/// The signature a webhook receiver checks: HMAC-SHA256 over `{timestamp}.{body}` under the secret, in hex.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn post_webhook(
    http: &HttpClient,
    url: &str,
    secret: &str,
    message: &Message,
    now: Timestamp,
) -> Result<(), String> {
    let timestamp = now.as_second();
    let body = &message.json;
    let signature = format!("sha256={}", signature(secret, timestamp, body));
    let timestamp = timestamp.to_string();
    let answer = http
        .send(Call {
            method: Method::POST,
            url,
            headers: &[
                ("Content-Type", "application/json"),
                ("X-Vantage-Timestamp", &timestamp),
                ("X-Vantage-Signature", &signature),
            ],
            body: body.clone().into(),
        })
        .await
        .map_err(|error| error.to_string())?;
    if (200..300).contains(&answer.status) {
        Ok(())
    } else {
        Err(format!("the webhook answered {}", answer.status))
    }
}

/// One SMTP conversation: the relay's greeting, EHLO, AUTH PLAIN when credentials are given, one
/// envelope, the message (UTF-8, quoted-printable-free 8-bit text with an encoded subject), QUIT.
async fn send_mail(
    relay: &SmtpRelay,
    to: &[String],
    message: &Message,
    now: Timestamp,
) -> Result<(), String> {
    use base64::Engine as _;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let stream = TcpStream::connect(&relay.address)
        .await
        .map_err(|error| format!("cannot reach the SMTP relay {}: {error}", relay.address))?;
    let mut smtp = Smtp {
        stream: BufReader::new(stream),
    };
    smtp.expect(220).await?;
    smtp.command("EHLO vantage", 250).await?;
    if let Some((user, password)) = &relay.credentials {
        let token = encode(&format!("\0{user}\0{password}"));
        smtp.command(&format!("AUTH PLAIN {token}"), 235).await?;
    }
    smtp.command(&format!("MAIL FROM:<{}>", relay.from), 250)
        .await?;
    for address in to {
        smtp.command(&format!("RCPT TO:<{address}>"), 250).await?;
    }
    smtp.command("DATA", 354).await?;
    let date = now.strftime("%a, %d %b %Y %H:%M:%S +0000");
    let mut data = format!(
        "From: Vantage <{}>\r\nTo: {}\r\nSubject: =?UTF-8?B?{}?=\r\nDate: {date}\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
        relay.from,
        to.join(", "),
        encode(&message.subject)
    );
    for line in message.text.lines() {
        // A line starting with a dot would end the message early: it is sent doubled.
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    smtp.write(&data).await?;
    smtp.expect(250).await?;
    smtp.command("QUIT", 221).await
}

struct Smtp {
    stream: BufReader<TcpStream>,
}

impl Smtp {
    async fn write(&mut self, text: &str) -> Result<(), String> {
        self.stream
            .get_mut()
            .write_all(text.as_bytes())
            .await
            .map_err(|error| format!("the SMTP relay hung up: {error}"))
    }

    async fn command(&mut self, line: &str, code: u16) -> Result<(), String> {
        self.write(&format!("{line}\r\n")).await?;
        self.expect(code).await
    }

    /// Reads a (possibly multi-line) reply and checks its code.
    async fn expect(&mut self, code: u16) -> Result<(), String> {
        loop {
            let mut line = String::new();
            let read = self
                .stream
                .read_line(&mut line)
                .await
                .map_err(|error| format!("the SMTP relay hung up: {error}"))?;
            if read == 0 {
                return Err("the SMTP relay closed the connection".to_owned());
            }
            let got: u16 = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            if got != code {
                return Err(format!("the SMTP relay answered: {}", line.trim()));
            }
            // `250-...` continues, `250 ...` ends the reply.
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(());
            }
        }
    }
}
