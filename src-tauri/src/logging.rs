//! Logging: `tracing` to a daily-rotated file in the XDG state directory, and to stderr.
//! `RUST_LOG` overrides the configured level.

use commons_core::Config;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Starts logging; keep the returned guard alive until exit so buffered lines are written.
/// When the log directory cannot be used, logs go to stderr only and that is said there.
pub fn init(config: &Config) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{},tao=warn,wry=warn",
            config.log_level.value.as_str()
        ))
    });
    let dir = config.log_dir();
    let file = std::fs::create_dir_all(&dir)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            RollingFileAppender::builder()
                .rotation(Rotation::DAILY)
                .filename_prefix("commons")
                .filename_suffix("log")
                .max_log_files(config.log_keep_files.value as usize)
                .build(&dir)
                .map_err(|e| e.to_string())
        });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match file {
        Ok(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            builder
                .with_ansi(false)
                .with_writer(writer.and(std::io::stderr))
                .init();
            Some(guard)
        }
        Err(e) => {
            builder.with_writer(std::io::stderr).init();
            tracing::warn!(dir = %dir.display(), error = %e, "cannot write log files; logging to stderr only");
            None
        }
    }
}
