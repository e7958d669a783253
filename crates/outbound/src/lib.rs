//! Requests Vantage makes to other systems (webhooks it calls, sources it pulls values from): HTTP/1.1,
//! plain for `http://` addresses, TLS for `https://` ones, with the server's certificate checked against
//! the authorities the system trusts plus any the province adds (a government's own authority, most
//! often). One request per connection: these are calls minutes apart, not a stream.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper::http::uri::{Scheme, Uri};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore, crypto};

pub use hyper::Method;
pub use hyper::http::HeaderMap;

/// How long a whole exchange may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read by default: a source's document of a few hundred thousand values.
pub const DEFAULT_MAX_ANSWER: usize = 64 << 20;

/// Why a request got no answer. Messages name the host, never the path or query (which may carry a
/// key) nor any header sent.
#[derive(Debug, thiserror::Error)]
pub enum OutboundError {
    #[error("not an http:// or https:// address: {0}")]
    Address(String),
    #[error("cannot reach {host}: {reason}")]
    Connect { host: String, reason: String },
    #[error("TLS with {host} failed: {reason}")]
    Tls { host: String, reason: String },
    #[error("{host} did not answer within {seconds} s")]
    Timeout { host: String, seconds: u64 },
    #[error("the answer from {host} broke off: {reason}")]
    Answer { host: String, reason: String },
    #[error("the answer from {host} is larger than {limit} bytes")]
    TooLarge { host: String, limit: usize },
    #[error("the certificate authorities cannot be read: {0}")]
    Roots(String),
}

/// An answer, whatever its status.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// A request to send: the address, extra headers (credentials among them, never logged) and a body.
pub struct Call<'a> {
    pub method: Method,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub body: Bytes,
}

/// Sends requests; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    tls: TlsConnector,
    timeout: Duration,
    max_answer: usize,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.timeout)
            .field("max_answer", &self.max_answer)
            .finish_non_exhaustive()
    }
}

/// The address split into what a connection needs.
struct Target {
    tls: bool,
    host: String,
    port: u16,
    /// Path and query.
    path: String,
    /// `host[:port]` as the Host header carries it.
    authority: String,
}

fn target(url: &str) -> Result<Target, OutboundError> {
    let invalid = || OutboundError::Address(url.split('?').next().unwrap_or(url).to_owned());
    let uri: Uri = url.parse().map_err(|_| invalid())?;
    let tls = match uri.scheme() {
        Some(scheme) if *scheme == Scheme::HTTPS => true,
        Some(scheme) if *scheme == Scheme::HTTP => false,
        _ => return Err(invalid()),
    };
    let authority = uri.authority().ok_or_else(invalid)?;
    if authority.as_str().contains('@') {
        // Credentials in the address would end up in logs; they have a field of their own.
        return Err(invalid());
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    Ok(Target {
        tls,
        port: authority.port_u16().unwrap_or(if tls { 443 } else { 80 }),
        path: uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        authority: authority.as_str().to_owned(),
        host,
    })
}

impl HttpClient {
    /// A client trusting the system's certificate authorities and those in `extra_roots` (a PEM file),
    /// waiting at most `timeout` for a whole answer and taking at most `max_answer` bytes of it.
    pub fn new(
        extra_roots: Option<&Path>,
        timeout: Duration,
        max_answer: usize,
    ) -> Result<HttpClient, OutboundError> {
        let mut roots = RootCertStore::empty();
        // A system without any authority still reaches plain addresses and those the province adds.
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
        if let Some(path) = extra_roots {
            let certificates = CertificateDer::pem_file_iter(path)
                .and_then(|certificates| certificates.collect::<Result<Vec<_>, _>>())
                .map_err(|error| OutboundError::Roots(format!("{}: {error}", path.display())))?;
            if certificates.is_empty() {
                return Err(OutboundError::Roots(format!(
                    "{}: no certificate in it",
                    path.display()
                )));
            }
            for certificate in certificates {
                roots.add(certificate).map_err(|error| {
                    OutboundError::Roots(format!("{}: {error}", path.display()))
                })?;
            }
        }
        let config =
            ClientConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|error| OutboundError::Roots(error.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        Ok(HttpClient {
            tls: TlsConnector::from(Arc::new(config)),
            timeout,
            max_answer,
        })
    }

    /// Sends `call` and reads the whole answer, within the client's time limit.
    pub async fn send(&self, call: Call<'_>) -> Result<Answer, OutboundError> {
        let target = target(call.url)?;
        let seconds = self.timeout.as_secs();
        let host = target.host.clone();
        tokio::time::timeout(self.timeout, self.exchange(target, call))
            .await
            .map_err(|_| OutboundError::Timeout { host, seconds })?
    }

    async fn exchange(&self, target: Target, call: Call<'_>) -> Result<Answer, OutboundError> {
        let tcp = TcpStream::connect((target.host.as_str(), target.port))
            .await
            .map_err(|error| OutboundError::Connect {
                host: target.host.clone(),
                reason: error.to_string(),
            })?;
        if target.tls {
            let name =
                ServerName::try_from(target.host.clone()).map_err(|error| OutboundError::Tls {
                    host: target.host.clone(),
                    reason: error.to_string(),
                })?;
            let stream = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|error| OutboundError::Tls {
                    host: target.host.clone(),
                    reason: error.to_string(),
                })?;
            self.over(stream, &target, call).await
        } else {
            self.over(tcp, &target, call).await
        }
    }

    async fn over<S>(
        &self,
        stream: S,
        target: &Target,
        call: Call<'_>,
    ) -> Result<Answer, OutboundError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let broke = |error: &dyn std::fmt::Display| OutboundError::Answer {
            host: target.host.clone(),
            reason: error.to_string(),
        };
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|error| broke(&error))?;
        // The connection is driven beside the request; it ends with the answer.
        tokio::spawn(connection);
        let mut request = Request::builder()
            .method(call.method)
            .uri(target.path.as_str())
            .header(hyper::header::HOST, target.authority.as_str())
            .header(hyper::header::USER_AGENT, "Vantage")
            .header(hyper::header::CONNECTION, "close");
        for (name, value) in call.headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(call.body))
            .map_err(|_| OutboundError::Address("a header name or value is invalid".to_owned()))?;
        let answer = sender
            .send_request(request)
            .await
            .map_err(|error| broke(&error))?;
        let status = answer.status().as_u16();
        let (parts, body) = answer.into_parts();
        let body = Limited::new(body, self.max_answer)
            .collect()
            .await
            .map_err(|error| {
                if error.is::<http_body_util::LengthLimitError>() {
                    OutboundError::TooLarge {
                        host: target.host.clone(),
                        limit: self.max_answer,
                    }
                } else {
                    broke(&error)
                }
            })?
            .to_bytes();
        Ok(Answer {
            status,
            headers: parts.headers,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_into_host_port_and_path() {
        let plain = target("http://127.0.0.1:8081/api/v1/x?key=1").unwrap();
        assert_eq!(
            (
                plain.tls,
                plain.host.as_str(),
                plain.port,
                plain.path.as_str()
            ),
            (false, "127.0.0.1", 8081, "/api/v1/x?key=1")
        );
        let secure = target("https://so-tnmt.lamdong.gov.vn").unwrap();
        assert_eq!(
            (secure.tls, secure.port, secure.path.as_str()),
            (true, 443, "/")
        );
        assert_eq!(target("https://[::1]:9443/a").unwrap().host, "::1");
    }

    #[test]
    fn other_addresses_are_refused_without_their_query() {
        for url in [
            "ftp://example.org/x",
            "example.org/x",
            "https://user:secret@example.org/x",
        ] {
            assert!(
                matches!(target(url), Err(OutboundError::Address(_))),
                "{url}"
            );
        }
        let refused = target("ftp://example.org/x?key=secret").err().unwrap();
        assert!(!refused.to_string().contains("secret"), "{refused}");
    }
}
