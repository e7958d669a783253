//! Embeds the built web app (`web/dist`, made by `scripts/web`) into the server, so that the `vantage`
//! binary serves it with nothing beside it; text files also as gzip, compressed once here rather than on
//! every request. Without a build the server still compiles and says at `/` how to build the app.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest.join("../../web/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &dist, &mut files);
    } else {
        println!(
            "cargo:warning=web/dist not found: the web app is not embedded (run ./scripts/web to build it)"
        );
    }
    files.sort();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let mut table = String::from("&[\n");
    for (index, (name, path)) in files.iter().enumerate() {
        let gzip = match gzip(Path::new(path)) {
            Some(compressed) => {
                let gzip_path = out.join(format!("web-{index}.gz"));
                std::fs::write(&gzip_path, compressed).expect("OUT_DIR is writable");
                format!(
                    "Some(include_bytes!({:?}))",
                    gzip_path.display().to_string()
                )
            }
            None => "None".to_owned(),
        };
        writeln!(table, "    ({name:?}, include_bytes!({path:?}), {gzip}),")
            .expect("writing to a string");
    }
    table.push(']');
    std::fs::write(out.join("web_files.rs"), table).expect("OUT_DIR is writable");
}

/// The file gzipped, when it is text worth compressing and compression makes it smaller.
fn gzip(path: &Path) -> Option<Vec<u8>> {
    use std::io::Write as _;
    let extension = path.extension()?.to_str()?;
    if !matches!(
        extension,
        "html" | "js" | "mjs" | "css" | "json" | "webmanifest" | "svg" | "txt" | "map"
    ) {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    if bytes.len() < 1024 {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&bytes).ok()?;
    let compressed = encoder.finish().ok()?;
    (compressed.len() < bytes.len()).then_some(compressed)
}

/// Every file under `dir` as (path relative to `root` with `/` separators, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable directory entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            let name = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = path.canonicalize().expect("an existing file");
            files.push((name, absolute.to_string_lossy().into_owned()));
        }
    }
}
