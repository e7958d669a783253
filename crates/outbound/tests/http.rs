//! Requests against servers started in the test: plain HTTP, TLS with a certificate from an authority
//! the client is told to trust (tests/fixtures, valid until 2126), and the failures a caller must tell
//! apart.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{ServerConfig, crypto};
use vantage_outbound::{Call, HttpClient, Method, OutboundError};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Reads one request (head and a Content-Length body), answers `answer`, and gives back the request.
async fn serve_once<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, answer: &[u8]) -> String {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer).await.unwrap();
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|n| n.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length || read == 0 {
                break;
            }
        }
        if read == 0 {
            break;
        }
    }
    stream.write_all(answer).await.unwrap();
    stream.shutdown().await.ok();
    String::from_utf8_lossy(&request).to_string()
}

fn client() -> HttpClient {
    HttpClient::new(Some(&fixture("ca.pem")), Duration::from_secs(5), 1024).unwrap()
}

#[tokio::test]
async fn plain_requests_carry_headers_and_body_and_read_the_answer() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        serve_once(
            stream,
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
        )
        .await
    });
    let url = format!("http://{address}/hook?x=1");
    let answer = client()
        .send(Call {
            method: Method::POST,
            url: &url,
            headers: &[
                ("Authorization", "Bearer t0ken"),
                ("Content-Type", "application/json"),
            ],
            body: "{\"b\":2}".into(),
        })
        .await
        .unwrap();
    assert_eq!((answer.status, &answer.body[..]), (201, &b"{\"a\":1}"[..]));
    let request = server.await.unwrap();
    assert!(
        request.starts_with("POST /hook?x=1 HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.contains("authorization: Bearer t0ken\r\n"),
        "{request}"
    );
    assert!(request.ends_with("{\"b\":2}"), "{request}");
}

#[tokio::test]
async fn tls_is_checked_against_the_trusted_authorities() {
    let certificates: Vec<CertificateDer> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("server-key.pem")).unwrap();
    let config = ServerConfig::builder_with_provider(Arc::new(crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            // A client that does not trust the authority gives up during the handshake.
            if let Ok(stream) = acceptor.accept(stream).await {
                serve_once(stream, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]").await;
            }
        }
    });
    let url = format!("https://localhost:{port}/values");
    let get = |client: HttpClient| {
        let url = url.clone();
        async move {
            client
                .send(Call {
                    method: Method::GET,
                    url: &url,
                    headers: &[],
                    body: Default::default(),
                })
                .await
        }
    };
    let answer = get(client()).await.unwrap();
    assert_eq!((answer.status, &answer.body[..]), (200, &b"[]"[..]));
    let untrusting = HttpClient::new(None, Duration::from_secs(5), 1024).unwrap();
    assert!(matches!(
        get(untrusting).await,
        Err(OutboundError::Tls { .. })
    ));
}

#[tokio::test]
async fn failures_are_told_apart() {
    // Nothing listens on a port just freed.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let get = |url: String, client: HttpClient| async move {
        client
            .send(Call {
                method: Method::GET,
                url: &url,
                headers: &[],
                body: Default::default(),
            })
            .await
    };
    assert!(matches!(
        get(format!("http://127.0.0.1:{port}/"), client()).await,
        Err(OutboundError::Connect { .. })
    ));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (silent, _) = listener.accept().await.unwrap();
        let (large, _) = listener.accept().await.unwrap();
        let body = "x".repeat(4096);
        serve_once(
            large,
            format!("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n{body}").as_bytes(),
        )
        .await;
        drop(silent);
    });
    let slow = HttpClient::new(None, Duration::from_millis(300), 1024).unwrap();
    assert!(matches!(
        get(format!("http://{address}/"), slow).await,
        Err(OutboundError::Timeout { .. })
    ));
    assert!(matches!(
        get(format!("http://{address}/"), client()).await,
        Err(OutboundError::TooLarge { limit: 1024, .. })
    ));
    assert!(matches!(
        HttpClient::new(Some(&fixture("server-key.pem")), Duration::from_secs(1), 1),
        Err(OutboundError::Roots(_))
    ));
}
