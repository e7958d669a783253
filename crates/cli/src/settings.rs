//! Settings from three places, in rising precedence: the config file, the environment, the command line.
//! Clap already gives flags precedence over the environment; this module adds the file and the defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use jiff::tz::TimeZone;
use serde::Deserialize;
use vantage_alerts::{Outbound, SmtpRelay};
use vantage_model::calendar::{USUAL_DAYS_OFF, parse_weekday};
use vantage_outbound::{DEFAULT_MAX_ANSWER, DEFAULT_TIMEOUT, HttpClient};

pub const DEFAULT_DATABASE_URL: &str = "sqlite:./vantage-data/vantage.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The config file (`--config vantage.toml`). Every key is optional; unknown keys are an error, so that a
/// misspelt setting is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub time_zone: Option<String>,
    pub web_dir: Option<PathBuf>,
    /// A MapLibre style URL drawn under the maps.
    pub basemap_style: Option<String>,
    /// The weekly days off that working-day deadlines skip, e.g. `["saturday", "sunday"]`.
    pub days_off: Option<Vec<String>>,
    /// The SMTP relay e-mail notifications go through: `smtp://[user:password@]host[:port]`.
    pub smtp_url: Option<String>,
    /// The address notifications are sent from.
    pub smtp_from: Option<String>,
    /// The web app's address as people reach it, for links in notifications.
    pub site_url: Option<String>,
    /// Certificate authorities (a PEM file) trusted besides the system's for HTTPS requests Vantage
    /// makes: webhooks, pull connectors.
    pub ca_file: Option<PathBuf>,
}

impl FileSettings {
    pub fn load(path: Option<&Path>) -> anyhow::Result<FileSettings> {
        let Some(path) = path else {
            return Ok(FileSettings::default());
        };
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("config file {} is not valid", path.display()))
    }
}

/// Values given on the command line or in the environment (clap merges those two).
#[derive(Debug, Default)]
pub struct Given {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub time_zone: Option<String>,
    pub web_dir: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct Settings {
    pub database_url: String,
    pub listen: SocketAddr,
    pub time_zone: TimeZone,
    /// Serve the web app from here instead of the embedded copy.
    pub web_dir: Option<PathBuf>,
    pub basemap_style: Option<String>,
    pub days_off: Vec<jiff::civil::Weekday>,
    /// The mail relay and the site's address for notifications.
    pub outbound: Outbound,
    /// Requests to other systems (webhooks, pull connectors) go out through it.
    pub http: HttpClient,
}

impl Settings {
    pub fn resolve(given: Given, file: FileSettings) -> anyhow::Result<Settings> {
        let database_url = given
            .database_url
            .or(file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let listen_text = given
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        let Ok(listen) = listen_text.parse() else {
            bail!("listen address `{listen_text}` is not ADDRESS:PORT (e.g. 127.0.0.1:8080)");
        };
        let time_zone_name = given
            .time_zone
            .or(file.time_zone)
            .unwrap_or_else(|| DEFAULT_TIME_ZONE.to_owned());
        let time_zone = TimeZone::get(&time_zone_name).with_context(|| {
            format!("`{time_zone_name}` is not a known time zone (e.g. Asia/Ho_Chi_Minh)")
        })?;
        let web_dir = given.web_dir.or(file.web_dir);
        if let Some(dir) = &web_dir
            && !dir.join("index.html").is_file()
        {
            bail!(
                "web folder {} holds no index.html (build it with ./scripts/web)",
                dir.display()
            );
        }
        let days_off = match file.days_off {
            None => USUAL_DAYS_OFF.to_vec(),
            Some(names) => names
                .iter()
                .map(|name| parse_weekday(name))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|reason| anyhow::anyhow!("days_off: {reason}"))?,
        };
        if days_off.len() >= 7 {
            bail!("days_off: at least one day of the week must be worked");
        }
        let smtp = match (file.smtp_url, file.smtp_from) {
            (None, _) => None,
            (Some(url), from) => Some(
                SmtpRelay::parse(&url, from.as_deref().unwrap_or("vantage@localhost"))
                    // The URL may hold a password: only the reason is shown.
                    .map_err(|reason| anyhow::anyhow!("smtp_url: {reason}"))?,
            ),
        };
        Ok(Settings {
            database_url,
            listen,
            time_zone,
            web_dir,
            basemap_style: file.basemap_style,
            days_off,
            outbound: Outbound {
                smtp,
                site_url: file.site_url,
            },
            http: HttpClient::new(file.ca_file.as_deref(), DEFAULT_TIMEOUT, DEFAULT_MAX_ANSWER)
                .map_err(|error| anyhow::anyhow!("ca_file: {error}"))?,
        })
    }

    pub fn today(&self) -> jiff::civil::Date {
        self.time_zone.to_datetime(jiff::Timestamp::now()).date()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(database_url: Option<&str>, listen: Option<&str>) -> FileSettings {
        FileSettings {
            database_url: database_url.map(Into::into),
            listen: listen.map(Into::into),
            ..FileSettings::default()
        }
    }

    #[test]
    fn given_values_win_over_the_file_which_wins_over_defaults() {
        let given = Given {
            database_url: Some("sqlite:given.db".into()),
            ..Given::default()
        };
        let settings =
            Settings::resolve(given, file(Some("sqlite:file.db"), Some("0.0.0.0:9000"))).unwrap();
        assert_eq!(settings.database_url, "sqlite:given.db");
        assert_eq!(settings.listen.to_string(), "0.0.0.0:9000");
        let settings = Settings::resolve(Given::default(), FileSettings::default()).unwrap();
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(settings.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(settings.time_zone.iana_name(), Some(DEFAULT_TIME_ZONE));
    }

    #[test]
    fn bad_values_are_explained() {
        let given = Given {
            listen: Some("localhost".into()),
            ..Given::default()
        };
        assert!(
            Settings::resolve(given, FileSettings::default())
                .unwrap_err()
                .to_string()
                .contains("ADDRESS:PORT")
        );
        let given = Given {
            time_zone: Some("Mars/Olympus".into()),
            ..Given::default()
        };
        assert!(Settings::resolve(given, FileSettings::default()).is_err());
        assert!(toml::from_str::<FileSettings>("databse_url = 'x'").is_err());
    }

    #[test]
    fn the_mail_relay_is_read_and_its_password_kept_out_of_errors() {
        let relay = FileSettings {
            smtp_url: Some("smtp://vantage:mật-khẩu@mail.lamdong.gov.vn:587".into()),
            smtp_from: Some("ioc@lamdong.gov.vn".into()),
            site_url: Some("https://ioc.lamdong.gov.vn".into()),
            ..FileSettings::default()
        };
        let settings = Settings::resolve(Given::default(), relay).unwrap();
        let smtp = settings.outbound.smtp.unwrap();
        assert_eq!(smtp.address, "mail.lamdong.gov.vn:587");
        assert_eq!(
            smtp.credentials,
            Some(("vantage".into(), "mật-khẩu".into()))
        );
        assert_eq!(smtp.from, "ioc@lamdong.gov.vn");
        let wrong = FileSettings {
            smtp_url: Some("mail://user:secret-word@host".into()),
            ..FileSettings::default()
        };
        let error = Settings::resolve(Given::default(), wrong)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("smtp_url:") && !error.contains("secret-word"),
            "{error}"
        );
    }

    #[test]
    fn days_off_come_from_the_file_by_name() {
        use jiff::civil::Weekday;
        let usual = Settings::resolve(Given::default(), FileSettings::default()).unwrap();
        assert_eq!(usual.days_off, [Weekday::Saturday, Weekday::Sunday]);
        let sundays = FileSettings {
            days_off: Some(vec!["Sunday".into()]),
            ..FileSettings::default()
        };
        assert_eq!(
            Settings::resolve(Given::default(), sundays)
                .unwrap()
                .days_off,
            [Weekday::Sunday]
        );
        let wrong = FileSettings {
            days_off: Some(vec!["chủ nhật".into()]),
            ..FileSettings::default()
        };
        let error = Settings::resolve(Given::default(), wrong)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("days_off") && error.contains("not a weekday"),
            "{error}"
        );
        let names = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let never = FileSettings {
            days_off: Some(names.map(String::from).to_vec()),
            ..FileSettings::default()
        };
        assert!(Settings::resolve(Given::default(), never).is_err());
    }
}
