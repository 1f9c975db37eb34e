//! Declares the app's commands to Tauri's permission system, so that a window can call only
//! the commands its capability file grants (see `capabilities/README.md`).

// Every app command, from the one list; each gets an `allow-<name>` permission.
macro_rules! command_list {
    ($($module:ident :: $name:ident),* $(,)?) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}
include!("src/commands/list.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}
