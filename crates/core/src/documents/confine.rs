//! Confining the processes that read untrusted PDFs: Linux Landlock limits what they can
//! open to the documents they are given (read only) and the system's programs and libraries
//! (read and run), and forbids every write. A hostile PDF that takes over the extraction
//! worker or `pdftotext` can read neither the cache (`commons.db`, with patrons' bookings)
//! nor the configuration (the workstation token), on top of the time and memory limits.
//!
//! The worker confines itself before it reads its first document (`commons extract-worker
//! --read DIR`); `pdftotext` is started through `commons confine --read FILE -- pdftotext …`,
//! which confines itself and then runs it. Where Landlock is missing, neither starts: a
//! document stays unread rather than read unconfined, and `commons doctor` says why.

use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, PathBeneath, PathFd, Ruleset, RulesetAttr,
    RulesetCreatedAttr, RulesetStatus,
};

/// The newest Landlock ABI Commons asks for; older kernels enforce what they know.
const ABI_WANTED: ABI = ABI::V5;

/// Where the system's programs, libraries and the few files they read at start live: read
/// and run. Paths that do not exist are skipped.
const SYSTEM: &[&str] = &[
    "/usr",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/localtime",
    "/dev/null",
    "/dev/zero",
    "/dev/urandom",
];

/// Why a process could not be confined.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    #[error(
        "Linux Landlock is not available here (kernel 5.13 or newer with Landlock enabled is needed)"
    )]
    Unavailable,
    #[error("the confinement could not be set up: {0}")]
    Setup(String),
}

/// Confines this process: from now on it can read (not write) what lies beneath `reads`,
/// read and run the system's programs, and nothing else. Irreversible.
pub fn restrict(reads: &[PathBuf]) -> Result<(), ConfineError> {
    let setup = |e: &dyn std::fmt::Display| ConfineError::Setup(e.to_string());
    let read = AccessFs::from_read(ABI_WANTED);
    let run = read | AccessFs::Execute;
    let mut ruleset = Ruleset::default()
        .handle_access(AccessFs::from_all(ABI_WANTED))
        .map_err(|e| setup(&e))?
        .create()
        .map_err(|e| setup(&e))?;
    for (paths, access) in [
        (SYSTEM.iter().map(PathBuf::from).collect::<Vec<_>>(), run),
        (reads.to_vec(), read),
    ] {
        for path in paths {
            // A path that is not there grants nothing; the process simply cannot open it.
            let Ok(fd) = PathFd::new(&path) else {
                continue;
            };
            let access = if path.is_dir() {
                access
            } else {
                // A file takes only the file rights of its access.
                access & AccessFs::from_file(ABI_WANTED)
            };
            ruleset = ruleset
                .add_rule(PathBeneath::new(fd, access))
                .map_err(|e| setup(&e))?;
        }
    }
    let status = ruleset.restrict_self().map_err(|e| setup(&e))?;
    match status.ruleset {
        RulesetStatus::FullyEnforced | RulesetStatus::PartiallyEnforced => Ok(()),
        RulesetStatus::NotEnforced => Err(ConfineError::Unavailable),
    }
}

/// Whether this system can confine a process (asked without confining this one).
pub fn available() -> Result<(), ConfineError> {
    Ruleset::default()
        .set_compatibility(CompatLevel::HardRequirement)
        .handle_access(AccessFs::from_all(ABI::V1))
        .and_then(|r| r.create())
        .map(drop)
        .map_err(|_| ConfineError::Unavailable)
}

/// `exe confine --read R… -- program`: runs `program` confined to reading `reads` (`exe` is
/// the `commons` binary). Arguments follow with `.args`.
pub fn command(exe: &Path, reads: &[&Path], program: &Path) -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = vec![exe.into(), "confine".into()];
    for r in reads {
        args.push("--read".into());
        args.push(r.into());
    }
    args.push("--".into());
    args.push(program.into());
    args
}
